import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { client } from '../jobs/job-support';
import { verifySignature, WebhookReceiver } from '../webhooks/webhook-receiver';
import { pageWidth, shot, signIn, useConsole } from './console-support';

const ENV = {
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '5000',
  // The receiver listens on 127.0.0.1, which the URL guard refuses unless allowed.
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:*',
  WEBHOOK_BACKOFF_BASE_MS: '100',
  WEBHOOK_TIMEOUT_MS: '1500',
  LOG_LEVEL: 'info',
};

/** The Webhooks page in a real browser against the real API and worker, delivering to a real receiver. */
describe('web console: webhooks', () => {
  const receiver = new WebhookReceiver();
  const tenant = `t-${randomUUID()}`;
  const adminToken = bearer('ada', tenant, { admin: true }).replace(/^Bearer /, '');
  const userToken = bearer('bob', tenant, {}).replace(/^Bearer /, '');
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());
  const c = useConsole(ENV, { contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] } });
  const admin = () => client(c.baseUrl, `Bearer ${adminToken}`);
  const nav = (name: string) => c.page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name });
  const secretBox = () => c.page.getByRole('region', { name: 'Signing secret' });
  const secretShown = () => secretBox().locator('code').innerText();

  it('registers an endpoint, shows its secret once, pings it, sees the delivery succeed, redelivers, rotates the secret', async () => {
    const { page, api } = c;
    await signIn(page, api.baseUrl, adminToken);
    await nav('Webhooks').click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();

    // A URL the API refuses: its problem, in the page.
    await page.getByLabel('URL').fill('ftp://example.com/hook');
    await page.getByRole('button', { name: 'Register' }).click();
    // Said under the URL field, which is marked invalid.
    expect(await page.getByRole('alert').innerText()).toMatch(/only http and https URLs/);
    expect(await page.getByLabel('URL').getAttribute('aria-invalid')).toBe('true');

    // Register by keyboard: the fields in order, then Enter.
    await page.getByLabel('URL').fill(`${receiver.url}/console`);
    await page.keyboard.press('Tab');
    await page.keyboard.insertText('ops alerts');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // "All events" off
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // job.succeeded
    await page.getByRole('checkbox', { name: 'ping' }).check();
    await page.getByRole('button', { name: 'Register' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Shown only now.').waitFor();
    const secret = await secretShown();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    await page.getByRole('button', { name: 'Copy secret' }).click();
    await page.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(secret);
    const row = page.getByRole('row', { name: /ops alerts/ });
    expect(await row.innerText()).toContain('job.succeeded, ping');
    await shot(page, 'webhook-registered');
    const { json: list } = await admin().call('GET', '/api/v1/webhooks');
    expect(list.items).toEqual([expect.objectContaining({ url: `${receiver.url}/console`, events: ['job.succeeded', 'ping'], description: 'ops alerts', enabled: true })]);
    const id = list.items[0].id as string;
    // Once: gone when dismissed, and nowhere on the endpoint's page.
    await page.getByRole('button', { name: 'I have saved it' }).click();
    expect(await secretBox().count()).toBe(0);
    await row.getByRole('link', { name: `${receiver.url}/console` }).click();
    await page.getByRole('heading', { name: `${receiver.url}/console`, level: 1 }).waitFor();
    expect(await page.content()).not.toContain(secret);

    // Ping: the receiver gets a signed request and the log shows the delivery succeeded.
    await page.getByRole('button', { name: 'Send ping' }).click();
    const delivery = page.locator('tr[data-delivery-id]').first();
    await delivery.getByText('succeeded').waitFor({ timeout: 30_000 });
    expect(await delivery.innerText()).toMatch(/ping[\s\S]*1 attempt · HTTP 204/);
    expect(receiver.at('/console')).toHaveLength(1);
    expect(verifySignature(secret, receiver.at('/console')[0])).toBe(true);
    const webhookId = receiver.at('/console')[0].headers['webhook-id'];
    await shot(page, 'webhook-delivered');

    // Redeliver: the same event again (same webhook-id), a second attempt.
    await delivery.getByRole('button', { name: /^Redeliver/ }).click();
    await page.waitForFunction(() => /2 attempts[\s\S]*succeeded|succeeded[\s\S]*2 attempts/.test((globalThis as any).document.querySelector('tr[data-delivery-id]')?.textContent ?? ''), undefined, { timeout: 30_000 });
    expect(receiver.at('/console')).toHaveLength(2);
    expect(receiver.at('/console')[1].headers['webhook-id']).toBe(webhookId);

    // The log filters by status.
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No deliveries failed.').waitFor();
    await page.getByLabel('Status').selectOption('succeeded');
    await page.locator('tr[data-delivery-id]').first().waitFor();
    await page.getByLabel('Status').selectOption('');

    // Rotate (after confirming): a new secret shown once, and the next ping is signed with it.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByText('Shown only now.').waitFor();
    const rotated = await secretShown();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await shot(page, 'webhook-rotated');
    await page.getByRole('button', { name: 'Send ping' }).click();
    await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('tr[data-delivery-id]').length === 2, undefined, { timeout: 30_000 });
    await page.locator('tr[data-delivery-id]').first().getByText('succeeded').waitFor({ timeout: 30_000 });
    const third = receiver.at('/console')[2];
    expect(verifySignature(rotated, third)).toBe(true);
    expect(verifySignature(secret, third)).toBe(false);

    await page.setViewportSize({ width: 390, height: 844 });
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'webhook-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Edit: events, description, disabled.
    const edit = page.getByRole('form', { name: 'Edit' });
    await edit.getByRole('checkbox', { name: 'export.ready' }).check();
    await edit.getByLabel('Description').fill('ops alerts (paused)');
    await edit.getByLabel('Enabled').uncheck();
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Disabled · job\.succeeded, export\.ready, ping · ops alerts \(paused\)/).waitFor();
    const { json: edited } = await admin().call('GET', `/api/v1/webhooks/${id}`);
    expect(edited).toMatchObject({ enabled: false, description: 'ops alerts (paused)', events: expect.arrayContaining(['job.succeeded', 'export.ready', 'ping']) });

    // Delete, after confirming.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete endpoint' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.getByText('No endpoints yet.').waitFor();
    expect((await admin().call('GET', `/api/v1/webhooks/${id}`)).status).toBe(404);
  });

  it("a user who is not a tenant admin sees the API's 403 problem, and no form; the page works on a phone", async () => {
    const { page, api } = c;
    const refused = await client(api.baseUrl, `Bearer ${userToken}`).call('GET', '/api/v1/webhooks');
    expect(refused.status).toBe(403);
    await signIn(page, api.baseUrl, userToken);
    await nav('Webhooks').click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    const shown = await alert.innerText();
    expect(shown).toContain(`${refused.json.title} (403)`);
    expect(shown).toContain(refused.json.detail);
    expect(await page.getByRole('button', { name: 'Register' }).count()).toBe(0);
    await shot(page, 'webhooks-forbidden');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, api.baseUrl, adminToken);
    await page.setViewportSize({ width: 390, height: 844 });
    await nav('Webhooks').click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    await page.locator('tbody tr').first().waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'webhooks-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await shot(page, 'webhooks');
  });

  it("the jobs list leaves out Porter's own jobs (webhook deliveries) unless the admin asks to see them; the choice is in the address", async () => {
    const { page, api } = c;
    // A tenant of its own: an export of the admin's, and a ping's delivery job submitted by `system`.
    const own = `t-${randomUUID()}`;
    const ownAdmin = bearer('ada', own, { admin: true });
    const call = client(api.baseUrl, ownAdmin).call;
    const exported = await call('POST', '/api/v1/exports', { type: 'employees', format: 'csv', name: 'people export' });
    expect(exported.status).toBe(202);
    const hook = await call('POST', '/api/v1/webhooks', { url: `${receiver.url}/system-jobs`, events: ['ping'] });
    expect(hook.status).toBe(201);
    expect((await call('POST', `/api/v1/webhooks/${hook.json.id}/ping`)).status).toBe(202);
    let jobs: Array<{ id: string; submittedBy: string; name: string }> = [];
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      jobs = (await call('GET', '/api/v1/jobs')).json.items;
      if (jobs.some((j) => j.submittedBy === 'system')) break;
    }
    const delivery = jobs.find((j) => j.submittedBy === 'system')!;
    expect(delivery.name).toBe('Webhook ping (attempt 1)');
    expect((await call('GET', '/api/v1/jobs?systemJobs=exclude')).json).toMatchObject({ totalRecords: 1, items: [{ id: exported.json.jobId }] });
    expect((await call('GET', '/api/v1/jobs?systemJobs=sometimes')).status).toBe(400);

    await signIn(page, api.baseUrl, ownAdmin.replace(/^Bearer /, ''));
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'people export' }).waitFor();
    expect(await page.getByRole('link', { name: 'Webhook ping (attempt 1)' }).count()).toBe(0);
    const show = page.getByRole('checkbox', { name: "Show Porter's own jobs (webhook deliveries, emails)" });
    expect(await show.isChecked()).toBe(false);
    await show.check();
    await page.getByRole('link', { name: 'Webhook ping (attempt 1)' }).waitFor();
    expect(new URL(page.url()).searchParams.get('system')).toBe('show');
    await shot(page, 'jobs-system-shown');
    // Kept across a reload (it is in the address), and Back hides them again.
    await page.reload();
    await page.getByRole('link', { name: 'Webhook ping (attempt 1)' }).waitFor();
    expect(await page.getByRole('checkbox', { name: /Show Porter's own jobs/ }).isChecked()).toBe(true);
    await page.goBack();
    await page.getByRole('link', { name: 'people export' }).waitFor();
    await page.waitForFunction(() => !(globalThis as any).document.body.innerText.includes('Webhook ping (attempt 1)'));
    expect(await page.getByRole('checkbox', { name: /Show Porter's own jobs/ }).isChecked()).toBe(false);

    // A user who is not an admin never sees the platform's jobs, and is offered no such box.
    await page.evaluate(() => (globalThis as any).sessionStorage.clear());
    await signIn(page, api.baseUrl, bearer('bob', own, {}).replace(/^Bearer /, ''));
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    await page.getByText('No jobs yet.').waitFor();
    expect(await page.getByRole('checkbox', { name: /Show Porter's own jobs/ }).count()).toBe(0);
  });
});

import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';
import { client, waitForJob } from '../jobs/job-support';
import { letPageTimePass, pageWidth, shot, signIn, useConsole } from './console-support';

const ENV = {
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '5000',
  SCHEDULE_TICK_INTERVAL_MS: '250',
  WORKER_CONCURRENCY: '4',
  LOG_LEVEL: 'info',
};
const SCHEDULES = '/api/v1/export-schedules';
/** How long a page waits before asking an unreachable API again (apps/console/src/components/reload.ts). */
const RETRY_UNREACHABLE_MS = 3000;

/** QA findings on the exports, imports, schedules and webhooks pages, in a real browser. */
describe('web console: exports, imports, schedules and webhooks pages (QA fixes)', () => {
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant, { admin: true, scopes: ['north'] }).replace(/^Bearer /, '');
  const bob = bearer('bob', tenant, { scopes: ['north'] }).replace(/^Bearer /, '');
  // The viewer is in New York; the schedules below run in Berlin.
  const c = useConsole(ENV, { seed: { tenant, employees: 40 }, contextOptions: { timezoneId: 'America/New_York', locale: 'en-GB' } });
  const alice = () => client(c.baseUrl, `Bearer ${token}`);
  const nav = (name: string) => c.page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name });

  it('after an outage, Refresh brings back the export form (and the schedules page retries by itself); the message is plain words', async () => {
    const { page, api } = c;
    // The page's clock is Playwright's: the schedules page's wait before it asks again passes at once.
    await page.clock.install();
    await signIn(page, api.baseUrl, token);
    const down = (route: any) => route.abort('failed');
    await page.route('**/api/**', down);
    await nav('Exports').click();
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    const said = await alert.innerText();
    expect(said).toContain('The Porter API could not be reached');
    expect(said).toContain('Check your connection');
    expect(said).not.toContain('Failed to fetch');
    expect(await page.getByRole('heading', { name: 'New export' }).count()).toBe(0);
    await shot(page, 'fixes-exports-outage');

    await page.unroute('**/api/**', down);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('heading', { name: 'New export' }).waitFor({ timeout: 10_000 });
    await waitFor(async () => (await page.getByText('could not be reached').count()) === 0, { what: 'the outage message to go' });
    await shot(page, 'fixes-exports-after-outage');

    // Schedules while the API is down, then up again: no click, the page comes back on its own.
    await page.route('**/api/**', down);
    await nav('Schedules').click();
    await page.getByText('The Porter API could not be reached').first().waitFor();
    await page.unroute('**/api/**', down);
    await letPageTimePass(page, RETRY_UNREACHABLE_MS);
    await page.getByRole('heading', { name: 'New schedule' }).waitFor({ timeout: 15_000 });
    expect(await page.getByText('could not be reached').count()).toBe(0);
  });

  it('marks a bad cron and a bad zone at their fields, confirms a created schedule, and shows its times in its own zone', async () => {
    const { page, api } = c;
    await signIn(page, api.baseUrl, token);
    await nav('Schedules').click();
    await page.getByRole('heading', { name: 'New schedule' }).waitFor();
    await page.getByLabel('Type').selectOption('employees');
    const cron = page.getByRole('textbox', { name: 'Cron' });
    const zone = page.getByRole('combobox', { name: 'Time zone' });
    await cron.fill('every day');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await waitFor(async () => (await cron.getAttribute('aria-invalid')) === 'true', { what: 'the cron field to be marked invalid' });
    const cronError = page.locator('#new-cron-error');
    expect(await cronError.innerText()).toMatch(/five fields/);
    expect((await cron.getAttribute('aria-describedby'))?.split(' ')).toContain('new-cron-error');
    // Said at the field, not again in a box under the button.
    expect(await page.locator('form .problem').count()).toBe(0);
    await shot(page, 'fixes-schedule-bad-cron');

    await cron.fill('0 6 * * *');
    expect(await cron.getAttribute('aria-invalid')).toBeNull();
    await zone.fill('Mars/Olympus');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    await waitFor(async () => (await zone.getAttribute('aria-invalid')) === 'true', { what: 'the zone field to be marked invalid' });
    expect(await page.locator('#new-timezone-error').innerText()).toMatch(/unknown time zone/);

    await zone.fill('Europe/Berlin');
    await page.getByLabel('Name (optional)').fill('berlin mornings');
    await page.getByRole('button', { name: 'Create schedule' }).click();
    const confirmation = page.getByRole('status').filter({ hasText: 'Schedule created' });
    await confirmation.waitFor();
    expect(await confirmation.innerText()).toMatch(/berlin mornings, first run .*06:00:00 \(Europe\/Berlin\)/);
    // The list says the next run in the schedule's zone, and the viewer's own time under it.
    const row = page.getByRole('row', { name: /berlin mornings/ });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/06:00:00 \(Europe\/Berlin\)[\s\S]*\b0?0:00:00 (EST|GMT-5) your time/);
    await shot(page, 'fixes-schedule-created');

    await page.getByRole('link', { name: 'berlin mornings' }).first().click();
    await page.getByRole('heading', { name: 'berlin mornings', level: 1 }).waitFor();
    const nextRuns = page.locator('.facts dd').nth(2).locator(':scope > div');
    expect(await nextRuns.count()).toBe(5);
    for (const text of await nextRuns.allInnerTexts()) expect(text).toMatch(/06:00:00 \(Europe\/Berlin\)\s+.*\b0?0:00:00 (EST|GMT-5) your time/);
    await shot(page, 'fixes-schedule-berlin-times');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'fixes-schedule-berlin-times-phone');

    // Editing with a bad cron: the edit form's Cron field is marked too.
    await page.setViewportSize({ width: 1280, height: 800 });
    const editCron = page.locator('#edit-schedule').locator('..').getByRole('textbox', { name: 'Cron' });
    await editCron.fill('61 * * * *');
    await page.getByRole('button', { name: 'Save' }).click();
    await waitFor(async () => (await editCron.getAttribute('aria-invalid')) === 'true', { what: 'the edit cron to be marked invalid' });
    expect(await page.locator('#edit-cron-error').isVisible()).toBe(true);
  });

  it('keeps the runs table live after Run now until the run has ended, with its tick in the schedule zone', async () => {
    const { page, api } = c;
    const { json: s } = await alice().call('POST', SCHEDULES, { type: 'employees', format: 'csv', cron: '0 6 * * *', timezone: 'Europe/Berlin', name: 'live runs' });
    await signIn(page, api.baseUrl, token);
    await page.goto(`${api.baseUrl}/console/schedules/${s.id}`);
    await page.getByRole('heading', { name: 'live runs', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Run now' }).click();
    const run = page.locator('tr[data-run-id]').first();
    await run.waitFor();
    // No "Refresh runs" pressed: the row reaches the export's final status on its own.
    await run.locator('.status-succeeded').waitFor({ timeout: 30_000 });
    expect(await run.innerText()).toContain('(Europe/Berlin)');
    await shot(page, 'fixes-schedule-run-now-live');
  });

  it("defaults a non-admin's export and schedule type to one they may use, and says why global ones are not", async () => {
    const { page, api } = c;
    await signIn(page, api.baseUrl, bob);
    await nav('Exports').click();
    await page.getByRole('heading', { name: 'New export' }).waitFor();
    expect(await page.getByLabel('Type').inputValue()).toBe('scope-employees');
    expect(await page.getByLabel('Type').locator('option[value=employees]').innerText()).toContain('global, admins only');
    expect(await page.getByTestId('global-types-note').innerText()).toMatch(/only admins/);
    await shot(page, 'fixes-exports-bob');
    await nav('Schedules').click();
    await page.getByRole('heading', { name: 'New schedule' }).waitFor();
    expect(await page.getByLabel('Type').inputValue()).toBe('scope-employees');
  });

  it('webhook refusals are said once, at the field, in words for a tenant admin; no event ticked asks for one', async () => {
    const { page, api } = c;
    await signIn(page, api.baseUrl, token);
    await nav('Webhooks').click();
    const url = page.getByLabel('URL');
    await url.fill('http://127.0.0.1:9999/hook');
    await page.getByRole('button', { name: 'Register' }).click();
    await waitFor(async () => (await url.getAttribute('aria-invalid')) === 'true', { what: 'the URL to be marked invalid' });
    const form = page.locator('form[aria-labelledby=new-webhook]');
    const text = await form.innerText();
    expect(text).toContain('ask your platform operator');
    expect(text).not.toContain('WEBHOOK_ALLOWED_HOSTS');
    expect(text.split('loopback').length - 1).toBe(1);
    await shot(page, 'fixes-webhook-internal');

    await url.fill('https://hooks.example.com/porter');
    await page.getByLabel('All events').uncheck();
    await page.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Choose at least one event').waitFor();
    expect(await page.getByText('must contain at least 1 elements').count()).toBe(0);
    expect(await page.locator('fieldset[aria-invalid=true]').count()).toBe(1);

    // The edit form says the same.
    const { json: hook, status } = await alice().call('POST', '/api/v1/webhooks', { url: 'http://1.1.1.1:9/edit', events: ['*'] });
    expect(status).toBe(201);
    await page.goto(`${api.baseUrl}/console/webhooks/${hook.id}`);
    const editUrl = page.locator('form[aria-labelledby=edit-webhook]').getByLabel('URL');
    await editUrl.fill('http://127.0.0.1:9999/hook');
    await page.getByRole('button', { name: 'Save' }).click();
    await waitFor(async () => (await editUrl.getAttribute('aria-invalid')) === 'true', { what: 'the edit URL to be marked invalid' });
    const editText = await page.locator('form[aria-labelledby=edit-webhook]').innerText();
    expect(editText).toContain('ask your platform operator');
    expect(editText.split('loopback').length - 1).toBe(1);
  });

  it('imports: the picker takes csv, xlsx and jsonl only; a header refusal is said once; a retry of failed rows is followed to its end', async () => {
    const { page, api } = c;
    await signIn(page, api.baseUrl, token);
    await nav('Imports').click();
    await page.getByRole('heading', { name: 'New import' }).waitFor();
    await page.getByLabel('Type').selectOption('employees');
    expect(await page.locator('input[type=file]').getAttribute('accept')).toBe('.csv,.xlsx,.jsonl');

    await page.locator('input[type=file]').setInputFiles({ name: 'notes.csv', mimeType: 'text/csv', buffer: Buffer.from('hello this is not a csv\n1\n') });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    const refused = page.locator('form').getByRole('alert');
    await refused.waitFor({ timeout: 20_000 });
    const said = await refused.innerText();
    expect(said).toContain('unknown column');
    expect(said.split('unknown column').length - 1).toBe(1);

    const csv = 'email,first_name,last_name\nnew1@example.com,Ada,Lovelace\nnot-an-email,Bad,Email\nnew2@example.com,Grace,Hopper\n';
    await page.locator('input[type=file]').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.getByRole('heading', { name: 'Import of people.csv' }).waitFor();
    await page.getByTestId('batch-counts').getByText('3 rows: 2 imported, 1 failed').waitFor({ timeout: 60_000 });
    const recordId = page.url().split('/').pop()!;
    await page.getByRole('button', { name: 'Retry failed rows' }).click();
    const retry = page.getByTestId('retry-status');
    await retry.waitFor();
    await retry.getByText(/Retry finished/).waitFor({ timeout: 30_000 });
    const after = (await alice().call('GET', `/api/v1/imports/${recordId}`)).json.batches[0];
    await waitForJob(alice(), after.jobId, (j) => j.status === 'succeeded', 'the retry job');
    expect(await retry.getByRole('link', { name: 'Retry job' }).getAttribute('href')).toBe(`/console/jobs/${after.jobId}`);
    expect(await retry.innerText()).toContain('3 rows: 2 imported, 1 failed');
    await shot(page, 'fixes-import-retry');

    // The imports list at phone width: the counts stay on screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await nav('Imports').click();
    const counts = page.getByTestId('import-counts').first();
    await counts.waitFor();
    const box = (await counts.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'fixes-imports-phone');
  });

  it('exports list at 390 px: Download on screen, summaries unbroken, a copied link one line', async () => {
    const { page, context, api } = c;
    const { json: ex } = await alice().call('POST', '/api/v1/exports', { type: 'employees', format: 'csv', filters: { department: 'Sales' } });
    await waitForJob(alice(), ex.jobId, (j) => j.status === 'succeeded', 'the export');
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.baseUrl });
    await page.setViewportSize({ width: 390, height: 844 });
    await signIn(page, api.baseUrl, token);
    await nav('Exports').click();
    const row = page.locator(`tr[data-export-id="${ex.id}"]`);
    const button = row.getByRole('button', { name: /Download/ });
    await button.waitFor({ timeout: 30_000 });
    const b = (await button.boundingBox())!;
    expect(b.x + b.width).toBeLessThanOrEqual(390);
    // "employees · csv · department=Sales" on one line (it broke inside "department=Sales").
    const summary = row.getByTestId('export-summary');
    const lineHeight = await summary.evaluate((el: any) => parseFloat((globalThis as any).getComputedStyle(el).lineHeight) || 20);
    expect((await summary.boundingBox())!.height).toBeLessThan(lineHeight * 1.5);
    await row.getByRole('button', { name: 'Copy download link' }).click();
    const copied = row.locator('.copied-link');
    await copied.waitFor();
    expect((await copied.boundingBox())!.height).toBeLessThan(90);
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'fixes-exports-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await shot(page, 'fixes-exports-desk');
  });
});

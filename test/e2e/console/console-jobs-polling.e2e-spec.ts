import { randomUUID } from 'crypto';
import { Page, Request } from 'playwright-core';
import { loadConfig, signToken } from '@porter/platform';
import { LIST_REFRESH_MS } from '../../../apps/console/src/poll-policy';
import { bearer } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';
import { client } from '../jobs/job-support';
import { letPageTimePass, shot, signIn, useConsole } from './console-support';

const ENV = {
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '5000',
  WORKER_CONCURRENCY: '4',
  EXPORT_BATCH_SIZE: '100',
  EXPORT_MAX_ROWS_PER_SECOND: '1000',
  // Tokens that end within the test end on time.
  AUTH_CLOCK_SKEW_S: '0',
  LOG_LEVEL: 'info',
};

const ROWS = 8000;

describe('console: what an idle tab costs, filters that follow the URL, focus, titles, the session end', () => {
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant, { admin: true }).replace(/^Bearer /, '');
  const c = useConsole(ENV, { seed: { tenant, employees: ROWS } });
  const alice = () => client(c.baseUrl, `Bearer ${token}`);
  /** A token for alice that ends in `seconds`. */
  const shortToken = (seconds: number) => signToken({ sub: 'alice', tenant, roles: ['admin'], scopes: [] }, loadConfig().authJwtSecret, seconds);
  const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();

  /** The API requests the page makes from now on. */
  function apiRequests(p: Page): Request[] {
    const requests: Request[] = [];
    p.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/v1/')) requests.push(r);
    });
    return requests;
  }

  it('an idle jobs page of 20 scheduled jobs reads its list every few seconds, not each job every second', async () => {
    const { page, api } = c;
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => alice().submit('porter-test.steps', { steps: 5, stepMs: 10 }, { name: `later ${i}`, scheduledFor: inAnHour() })));
    // The page's clock is Playwright's: the 10 s idle below pass in the page's time, not the test's.
    await page.clock.install();
    await signIn(page, api.baseUrl, token);
    await page.goto(`${api.baseUrl}/console/?status=scheduled`);
    for (const id of ids) await page.locator(`tr[data-job-id="${id}"] .status-scheduled`).waitFor();
    // Each scheduled row says when it is due, and every time says its zone (the browser's: UTC here).
    const row = await page.locator(`tr[data-job-id="${ids[0]}"]`).innerText();
    expect(row).toMatch(/due \S+, \d\d:\d\d:\d\d( [AP]M)? (UTC|GMT)/);
    expect(row).toMatch(/\d\d:\d\d:\d\d( [AP]M)? (UTC|GMT)\s*$/);
    const requests = apiRequests(page);
    await letPageTimePass(page, 10_000);
    await shot(page, 'jobs-idle-scheduled');
    const paths = requests.map((r) => new URL(r.url()).pathname);
    // Before: ~17 GET /jobs/{id} a second (170 in 10 s). Now: the list, once every 5 s.
    expect(paths.filter((p) => /^\/api\/v1\/jobs\/[^/]+/.test(p))).toEqual([]);
    expect(paths.filter((p) => p === '/api/v1/jobs').length).toBeGreaterThanOrEqual(1);
    expect(requests.length).toBeLessThanOrEqual(3);
    // Each read again is the same page with the same filters.
    for (const r of requests) {
      expect(new URL(r.url()).searchParams.get('status')).toBe('scheduled');
      expect(new URL(r.url()).searchParams.get('limit')).toBe('20');
    }
  });

  it("a running export's bar still moves on the exports page, and a running job's on the jobs list beside scheduled ones", async () => {
    const { page, api } = c;
    await signIn(page, api.baseUrl, token);
    const exported = (await alice().call('POST', '/api/v1/exports', { type: 'employees', format: 'csv', name: 'moving export' })).json;
    await page.goto(`${api.baseUrl}/console/exports`);
    const bar = page.locator(`tr[data-export-id="${exported.id}"] progress`);
    await page.waitForFunction(
      (id) => {
        const p = (globalThis as any).document.querySelector(`tr[data-export-id="${id}"] progress`);
        return !!p && p.hasAttribute('value') && p.value > 0 && p.value < 100;
      },
      exported.id,
      { timeout: 30_000, polling: 50 },
    );
    const first = await bar.evaluate((p: any) => p.value as number);
    await page.waitForFunction(
      ([id, v]) => ((globalThis as any).document.querySelector(`tr[data-export-id="${id}"] progress`)?.value ?? 0) > v,
      [exported.id, first] as const,
      { timeout: 30_000, polling: 50 },
    );
    await shot(page, 'exports-bar-moving');

    const id = await alice().submit('porter-test.steps', { steps: 60, stepMs: 200 }, { name: 'moving job' });
    await page.goto(`${api.baseUrl}/console/`);
    const row = page.locator(`tr[data-job-id="${id}"]`);
    await row.locator('.status-running').waitFor({ timeout: 30_000 });
    const before = await row.locator('progress').evaluate((p: any) => p.value as number);
    await page.waitForFunction(
      ([jobId, v]) => ((globalThis as any).document.querySelector(`tr[data-job-id="${jobId}"] progress`)?.value ?? 0) > v,
      [id, before] as const,
      { timeout: 30_000, polling: 50 },
    );
  });

  it('keeps the filter fields in step with Back and Forward, and a Status stepped through by keyboard is one request and one history entry', async () => {
    const { page, api } = c;
    await signIn(page, api.baseUrl, token);
    await page.getByLabel('Type').fill('export');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/type=export/);
    await page.goBack();
    await page.waitForURL((u) => !u.search.includes('type='));
    await page.waitForFunction(() => (globalThis as any).document.querySelector('input[name=type]').value === '');
    await shot(page, 'jobs-back-type-cleared');
    await page.goForward();
    await page.waitForURL(/type=export/);
    await page.waitForFunction(() => (globalThis as any).document.querySelector('input[name=type]').value === 'export');

    // Status: from "any" down to "failed" with the arrow keys.
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    const historyBefore = await page.evaluate(() => (globalThis as any).history.length as number);
    const requests = apiRequests(page);
    await page.getByLabel('Status').focus();
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('ArrowDown');
      await page.waitForTimeout(150);
    }
    expect(await page.getByLabel('Status').inputValue()).toBe('failed');
    await page.waitForURL(/status=failed/);
    await page.waitForTimeout(500);
    expect(await page.evaluate(() => (globalThis as any).history.length as number)).toBe(historyBefore + 1);
    // One list read for "failed", none for the options passed on the way (the list's own read
    // again of the unfiltered page, every 5 s, may come in between: it has no status).
    const statuses = requests.filter((r) => new URL(r.url()).pathname === '/api/v1/jobs').map((r) => new URL(r.url()).searchParams.get('status'));
    expect(statuses.filter((s) => s !== null)).toEqual(['failed']);
    // Back: where the person was before they began, with the select saying so.
    await page.goBack();
    await page.waitForURL((u) => u.search === '');
    await page.waitForFunction(() => (globalThis as any).document.querySelector('select[name=status]').value === '');
  });

  it('moves the focus to the heading of a job page, and there after Cancel job (asked first); titles each page', async () => {
    const { page, api } = c;
    const id = await alice().submit('porter-test.steps', { steps: 600, stepMs: 100 }, { name: 'long one' });
    await signIn(page, api.baseUrl, token);
    const listTitle = await page.title();
    await page.getByRole('link', { name: 'long one' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'long one', level: 1 }).waitFor();
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.tagName === 'H1');
    expect(await page.evaluate(() => (globalThis as any).document.activeElement.textContent)).toBe('long one');
    const jobTitle = await page.title();
    await page.locator('.title-row .status-running').waitFor({ timeout: 30_000 });

    // Dismissed: nothing happens.
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.dismiss();
    });
    await page.getByRole('button', { name: 'Cancel job' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    expect(asked).toBe('Cancel job long one? It stops where it is.');
    expect((await alice().job(id)).status).toBe('running');
    // Accepted: cancelled, and the focus is on the heading (beside the status), not lost to the body.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Cancel job' }).waitFor({ state: 'detached', timeout: 30_000 });
    await page.waitForFunction(() => (globalThis as any).document.activeElement?.tagName === 'H1');
    await shot(page, 'job-cancel-focus-heading');

    expect(listTitle).toBe('Jobs — Porter');
    expect(jobTitle).toBe('Job long one — Porter');
    await page.goto(`${api.baseUrl}/console/nowhere`);
    await page.getByRole('heading', { name: 'Not found' }).waitFor();
    expect(await page.title()).toBe('Not found — Porter');
    await page.goto(`${api.baseUrl}/console/exports`);
    await page.getByRole('heading', { name: 'Exports', level: 1 }).waitFor();
    expect(await page.title()).toBe('Exports — Porter');
    await page.evaluate(() => (globalThis as any).sessionStorage.clear());
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Porter' }).waitFor();
    expect(await page.title()).toBe('Sign in — Porter');
  });

  it('Back to a jobs list scrolled down returns to where it was once its rows are there; a job opened from it starts at its top', async () => {
    const { page, api } = c;
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => alice().submit('porter-test.steps', { steps: 5, stepMs: 10 }, { name: `scroll ${String(i).padStart(2, '0')}`, scheduledFor: inAnHour() })),
    );
    await signIn(page, api.baseUrl, token);
    await page.goto(`${api.baseUrl}/console/?query=${encodeURIComponent('name==scroll*')}`);
    for (const id of ids) await page.locator(`tr[data-job-id="${id}"]`).waitFor();
    await page.evaluate(() => (globalThis as any).window.scrollTo(0, (globalThis as any).document.body.scrollHeight));
    const y = await page.evaluate(() => (globalThis as any).window.scrollY as number);
    expect(y).toBeGreaterThan(200);
    const last = page.locator('tr[data-job-id]').last();
    const name = await last.getByRole('link').first().innerText();
    await last.getByRole('link').first().click();
    await page.getByRole('heading', { name, level: 1 }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).window.scrollY)).toBe(0);
    await page.goBack();
    for (const id of ids) await page.locator(`tr[data-job-id="${id}"]`).waitFor();
    await page.waitForFunction((want) => Math.abs((globalThis as any).window.scrollY - want) <= 2, y, { timeout: 5000 });
  });

  it('deleting a job from a filtered list goes back to that list', async () => {
    const { page, api } = c;
    const id = await alice().submit('porter-test.steps', { steps: 5, stepMs: 10 }, { name: 'to delete', scheduledFor: inAnHour() });
    await alice().call('POST', `/api/v1/jobs/${id}/cancel`);
    await signIn(page, api.baseUrl, token);
    await page.goto(`${api.baseUrl}/console/?status=cancelled`);
    await page.getByRole('link', { name: 'to delete' }).click();
    await page.getByRole('heading', { name: 'to delete', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete' }).waitFor({ timeout: 30_000 });
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.waitForURL((u) => u.pathname === '/console/' && u.search === '?status=cancelled');
    expect(await page.getByLabel('Status').inputValue()).toBe('cancelled');
  });

  it('warns before the session ends, and signing in again keeps the page and what was typed in it', async () => {
    const { page, api } = c;
    // The page's clock is Playwright's: once the API refuses the token below, the list's next
    // read (every 5 s) comes at once.
    await page.clock.install();
    // Four minutes left: the banner says when it ends.
    await signIn(page, api.baseUrl, shortToken(240));
    const banner = page.locator('.session-banner');
    await banner.waitFor();
    expect(await banner.innerText()).toMatch(/Your session ends at \d\d:\d\d — sign in again to keep working\./);
    await shot(page, 'session-ending-banner');
    await page.getByLabel('Type').fill('half typed');
    await banner.getByRole('button', { name: 'Sign in again' }).click();
    await page.getByRole('heading', { name: 'Sign in to Porter' }).waitFor();
    await page.getByLabel('Bearer token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    expect(await page.getByLabel('Type').inputValue()).toBe('half typed');
    expect(await banner.count()).toBe(0);

    // A token that ends while the page is open: the API refuses it (401), the sign-in form comes,
    // and after it the page is as it was.
    await page.evaluate(() => (globalThis as any).sessionStorage.clear());
    await alice().submit('porter-test.steps', { steps: 5, stepMs: 10 }, { name: 'keeps the list reading', scheduledFor: inAnHour() });
    const ending = shortToken(8);
    await signIn(page, api.baseUrl, ending);
    await banner.waitFor();
    await page.getByLabel('Type').fill('still here');
    const refused = async () => (await fetch(`${api.baseUrl}/api/v1/jobs?limit=1`, { headers: { authorization: `Bearer ${ending}` } })).status === 401;
    await waitFor(refused, { timeoutMs: 20_000, intervalMs: 100, what: 'the API to refuse the ended token' });
    await letPageTimePass(page, LIST_REFRESH_MS);
    await page.getByRole('heading', { name: 'Sign in to Porter' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('status').first().innerText()).toMatch(/expired|refused/i);
    await page.getByText('The page you were on is kept as you left it').waitFor();
    await shot(page, 'session-ended-sign-in');
    await page.getByLabel('Bearer token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    expect(await page.getByLabel('Type').inputValue()).toBe('still here');
  });
});

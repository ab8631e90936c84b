import { randomUUID } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { parse } from 'csv-parse/sync';
import { Browser, BrowserContext, Page } from 'playwright-core';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { client } from '../jobs/job-support';
import { launchBrowser, pageErrors, seedEmployees, shot, signIn } from './console-support';

const ENV = {
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '5000',
  // Slow enough to watch an export's bar move (3,000 matching rows at 1,000 rows/s in batches of 100).
  EXPORT_BATCH_SIZE: '100',
  EXPORT_MAX_ROWS_PER_SECOND: '1000',
  LOG_LEVEL: 'info',
};
const ROWS = 6000;

describe('web console in a real browser against the real API and worker', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant, { admin: true }).replace(/^Bearer /, '');

  beforeAll(async () => {
    [api, worker, browser] = await Promise.all([startApi(ENV), startWorker(ENV), launchBrowser(), seedEmployees(tenant, ROWS)]);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all([api?.process.stop(), worker?.stop()]);
  });
  beforeEach(async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page = await context.newPage();
    errors = pageErrors(page);
  });
  afterEach(async () => {
    await context?.close();
    expect(errors).toEqual([]);
  });

  it('signs in with a pasted token (keyboard only); a refused token shows the problem title and detail', async () => {
    const html = await fetch(`${api.baseUrl}/console/`);
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByLabel('Bearer token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const problem = page.getByRole('alert');
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/Unauthorized \(401\)[\s\S]*Invalid token/);
    await shot(page, 'sign-in-refused');

    await signIn(page, api.baseUrl, token);
    expect(await page.getByText(`alice @ ${tenant} (admin)`).isVisible()).toBe(true);
    // A reload keeps the session (sessionStorage) and client-side routes survive it (SPA fallback).
    await page.goto(`${api.baseUrl}/console/exports`);
    await page.getByRole('heading', { name: 'Exports', level: 1 }).waitFor();
    await shot(page, 'signed-in');

    // A token the API stops accepting mid-session: back to sign-in, saying why.
    await page.evaluate(() => (globalThis as any).sessionStorage.setItem('porter.token', 'expired.token.value'));
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Sign in to Porter' }).waitFor();
    expect(await page.getByRole('status').innerText()).toMatch(/The API refused the token: Invalid token.*Sign in again\./);
  });

  it('creates an export from the form, watches it reach 100 %, downloads it and the file has every row', async () => {
    await signIn(page, api.baseUrl, token);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Exports' }).click();
    await page.getByLabel('Type').selectOption('employees');
    await page.getByLabel('Format').selectOption('csv');
    await page.getByRole('textbox', { name: 'Department' }).fill('Sales');
    // Columns are offered where the type declares them (GET /exports/types); leave one out.
    await page.locator('input[name=columns][value=notes]').uncheck();
    await page.getByLabel('Name (optional)').fill('sales people');
    await page.getByRole('button', { name: 'Create export' }).click();
    const row = page.locator('tr[data-export-id]').first();
    const bar = row.getByRole('progressbar');
    // Seen running below 100 %, then at 100 %: the bar is live, not drawn at the end.
    await page.waitForFunction(() => {
      const p = (globalThis as any).document.querySelector('tr[data-export-id] progress');
      return !!p && p.hasAttribute('value') && p.value > 0 && p.value < 100;
    }, undefined, { timeout: 30_000 });
    await shot(page, 'export-running');
    await row.getByRole('button', { name: /Download/ }).waitFor({ timeout: 60_000 });
    expect(await bar.evaluate((p: any) => p.value)).toBe(100);
    expect(await row.innerText()).toContain('succeeded');
    await shot(page, 'export-done');
    // Optional features follow the server's OpenAPI document: a download-link button only where the endpoint exists.
    const openApi = (await (await fetch(`${api.baseUrl}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
    const hasLinks = '/api/v1/exports/{id}/download-link' in openApi.paths;
    expect(await row.getByRole('button', { name: 'Copy download link' }).count()).toBe(hasLinks ? 1 : 0);

    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: /Download/ }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const file = path.join(os.tmpdir(), `console-export-${randomUUID()}.csv`);
    await download.saveAs(file);
    const rows = parse(readFileSync(file, 'utf8'), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(ROWS / 2);
    expect(new Set(rows.map((r) => r.department))).toEqual(new Set(['Sales']));
    expect('email' in rows[0]).toBe(true);
    expect('notes' in rows[0]).toBe(false);

    // gzip, offered because the server declares `compression`: the file arrives compressed.
    await page.getByLabel('Format').selectOption('jsonl');
    await page.getByLabel('Compress (gzip)').check();
    await page.getByRole('button', { name: 'Create export' }).click();
    const gz = page.locator('tr[data-export-id]').first();
    await gz.getByText('jsonl').waitFor();
    await gz.getByRole('button', { name: /Download/ }).waitFor({ timeout: 60_000 });
    const [gzDownload] = await Promise.all([page.waitForEvent('download'), gz.getByRole('button', { name: /Download/ }).click()]);
    expect(gzDownload.suggestedFilename()).toMatch(/\.jsonl\.gz$/);
    const gzFile = path.join(os.tmpdir(), `console-export-${randomUUID()}.jsonl.gz`);
    await gzDownload.saveAs(gzFile);
    expect(gunzipSync(readFileSync(gzFile)).toString('utf8').trim().split('\n')).toHaveLength(ROWS / 2);
  });

  it('uploads a CSV by drag and drop, shows upload progress and the size limit, and each failed row with its reason', async () => {
    await signIn(page, api.baseUrl, token);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Imports' }).click();
    await page.getByTestId('upload-limit').getByText('Largest file: 1.0 GiB').waitFor();
    const csv = 'email,first_name,last_name\nnew1@example.com,Ada,Lovelace\nnot-an-email,Bad,Email\nnew2@example.com,,Nameless\nnew3@example.com,Grace,Hopper\n';
    const drop = await page.evaluateHandle((text) => {
      const transfer = new (globalThis as any).DataTransfer();
      transfer.items.add(new (globalThis as any).File([text], 'people.csv', { type: 'text/csv' }));
      return transfer;
    }, csv);
    await page.locator('.drop').dispatchEvent('drop', { dataTransfer: drop });
    await page.getByText('people.csv').waitFor();
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.getByRole('heading', { name: 'Import of people.csv' }).waitFor();
    await page.getByTestId('batch-counts').getByText('4 rows: 2 imported, 2 failed').waitFor({ timeout: 60_000 });
    const reasons = page.locator('table.results tbody tr');
    await reasons.nth(1).waitFor();
    expect(await reasons.count()).toBe(2);
    expect(await reasons.nth(0).innerText()).toMatch(/^2\s+failed\s+column "email": value "not-an-email" is not an email address/);
    expect(await reasons.nth(1).innerText()).toMatch(/^3\s+failed\s+column "first_name": a value is required/);
    await shot(page, 'import-failures');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download failed rows' }).click()]);
    const failed = path.join(os.tmpdir(), `console-failed-${randomUUID()}.csv`);
    await download.saveAs(failed);
    expect(readFileSync(failed, 'utf8')).toContain('not-an-email,Bad,Email');

    await page.getByLabel('Show rows').selectOption('completed');
    await page.locator('table.results tbody tr[data-row="4"]').waitFor();
    expect(await page.locator('table.results tbody tr').count()).toBe(2);

    // The upload's own progress bar, on a file sent slowly enough (throttled) to be seen moving.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Imports' }).click();
    const big = path.join(os.tmpdir(), `console-big-${randomUUID()}.csv`);
    writeFileSync(big, 'email,first_name,last_name\n' + Array.from({ length: 20_000 }, (_, i) => `bulk${i}@example.com,Bulk,Person ${i}`).join('\n') + '\n');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 400 * 1024 });
    await page.locator('input[type=file]').setInputFiles(big);
    await page.getByLabel('Dry run (validate only, write nothing)').check();
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.waitForFunction(() => {
      const bar = (globalThis as any).document.querySelector('progress[aria-label="Upload progress"]');
      return !!bar && bar.value > 0 && bar.value < 100;
    }, undefined, { timeout: 30_000, polling: 50 });
    await shot(page, 'import-uploading');
    await page.getByRole('heading', { name: /^Import of console-big/ }).waitFor({ timeout: 60_000 });
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.getByText('dry run: nothing is written').waitFor();
    await page.getByTestId('batch-counts').getByText('20000 rows: 20000 imported, 0 failed').waitFor({ timeout: 90_000 });
  });

  it('cancels a running job from its page; errors of the API show as problems; works on a phone', async () => {
    const alice = client(api.baseUrl, `Bearer ${token}`);
    const id = await alice.submit('porter-test.steps', { steps: 600, stepMs: 100 }, { name: 'long steps' });
    await signIn(page, api.baseUrl, token);
    await page.getByRole('row', { name: /long steps/ }).getByText('running').waitFor({ timeout: 30_000 });
    await shot(page, 'jobs-list');
    await page.getByRole('link', { name: 'long steps' }).click();
    await page.getByRole('heading', { name: 'long steps' }).waitFor();
    await page.waitForFunction(() => ((globalThis as any).document.querySelector('progress')?.value ?? 0) > 0);
    // By keyboard: Tab from the page's heading reaches the action, Enter runs it.
    let focused = '';
    for (let i = 0; i < 15 && focused !== 'Cancel job'; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => (globalThis as any).document.activeElement?.textContent?.trim() ?? '');
    }
    expect(focused).toBe('Cancel job');
    await page.keyboard.press('Enter');
    await page.locator('.title-row .status-cancelled').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Retry' }).waitFor();
    await page.locator('.timeline').getByText('cancelled').first().waitFor();
    expect((await alice.job(id)).status).toBe('cancelled');
    await shot(page, 'job-cancelled');

    // The list filters by status (kept in the URL, so a reload or a shared link keeps it).
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Jobs' }).click();
    await page.getByLabel('Status').selectOption('cancelled');
    await page.waitForURL(/status=cancelled/);
    await page.getByText('1–1 of 1').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'long steps' }).waitFor();
    await page.reload();
    expect(await page.getByLabel('Status').inputValue()).toBe('cancelled');
    await page.getByText('1–1 of 1').waitFor();

    await page.goto(`${api.baseUrl}/console/jobs/${randomUUID()}`);
    const problem = page.getByRole('alert').first();
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/Not Found \(404\)/);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    // Nothing wider than the screen; the jobs table fits too (other tables may scroll inside their own box).
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(await page.locator('.table-wrap').evaluate((wrap: any) => wrap.scrollWidth - wrap.clientWidth)).toBe(0);
    await shot(page, 'jobs-phone');
    for (const [route, heading] of [['exports', 'Exports'], ['imports', 'Imports']]) {
      await page.goto(`${api.baseUrl}/console/${route}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.locator('tbody tr').first().waitFor();
      expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
      await shot(page, `${route}-phone`);
    }
  });
});

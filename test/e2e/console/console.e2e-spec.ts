import { randomUUID } from 'crypto';
import { readFileSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { parse } from 'csv-parse/sync';
import { bearer } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';
import { client, waitForJob } from '../jobs/job-support';
import { shot, signIn, useConsole } from './console-support';

const ENV = {
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '5000',
  // Slow enough to watch an export's bar move (3,000 matching rows at 1,000 rows/s in batches of 100).
  EXPORT_BATCH_SIZE: '100',
  EXPORT_MAX_ROWS_PER_SECOND: '1000',
  // Small enough for the import page to refuse a larger file before sending it.
  UPLOAD_MAX_BYTES: '2000000',
  LOG_LEVEL: 'info',
};
const ROWS = 6000;

describe('web console in a real browser against the real API and worker', () => {
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant, { admin: true, scopes: ['north', 'south'] }).replace(/^Bearer /, '');
  const c = useConsole(ENV, { seed: { tenant, employees: ROWS }, contextOptions: { acceptDownloads: true } });
  /** A datetime-local value `hours` from now, and the instant the browser reads it as. */
  const localInput = async (hours: number): Promise<{ value: string; iso: string }> =>
    c.page.evaluate((h) => {
      const d = new Date(Date.now() + h * 3600_000);
      d.setSeconds(0, 0);
      const value = new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      return { value, iso: new Date(value).toISOString() };
    }, hours);

  it('signs in with a pasted token (keyboard only); a refused token shows the problem title and detail', async () => {
    const { page, api } = c;
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
    const { page, context, api } = c;
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

    // Download sends the browser to a signed link the API serves (it streams to disk through the
    // browser's own download, and is counted like any download).
    const csvExportId = (await row.getAttribute('data-export-id'))!;
    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: /Download/ }).click()]);
    expect(download.url()).toMatch(new RegExp(`/api/v1/exports/${csvExportId}/file\\?`));
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    await row.getByRole('status').filter({ hasText: 'Download started' }).waitFor();
    const file = path.join(os.tmpdir(), `console-export-${randomUUID()}.csv`);
    await download.saveAs(file);
    const counted = (await (await fetch(`${api.baseUrl}/api/v1/exports/${csvExportId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { result: { downloadCount: number } };
    expect(counted.result.downloadCount).toBe(1);
    const rows = parse(readFileSync(file, 'utf8'), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(ROWS / 2);
    expect(new Set(rows.map((r) => r.department))).toEqual(new Set(['Sales']));
    expect('email' in rows[0]).toBe(true);
    expect('notes' in rows[0]).toBe(false);

    // Copy link: the URL lands on the clipboard and is shown; it downloads the file with no token.
    expect(hasLinks).toBe(true);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.baseUrl });
    await row.getByRole('button', { name: 'Copy download link' }).click();
    const copied = row.getByRole('status').filter({ hasText: 'Copied:' });
    await copied.waitFor();
    const shown = await copied.locator('code').innerText();
    const url = shown.replace(/ \(until .*\)$/, '');
    expect(url).toMatch(new RegExp(`^${api.baseUrl}/`));
    expect(await page.evaluate(() => (globalThis as any).navigator.clipboard.readText())).toBe(url);
    const viaLink = await fetch(url);
    expect(viaLink.status).toBe(200);
    expect(parse(await viaLink.text(), { bom: true, columns: true })).toHaveLength(ROWS / 2);
    await shot(page, 'export-link-copied');

    // The export's job page lists its output file; downloading it there gives the same rows.
    await row.getByRole('link', { name: 'sales people' }).click();
    await page.getByRole('heading', { name: 'Output files' }).waitFor();
    const fileButton = page.locator('ul.files').getByRole('button', { name: /^Download / });
    await fileButton.waitFor();
    // On a slow line the button says how far the file has come, and a bar fills under it.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 100 * 1024, uploadThroughput: -1 });
    const [jobDownload] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      (async () => {
        await fileButton.click();
        await page.locator('ul.files').getByRole('button', { name: /^Downloading [1-9]\d?%$/ }).waitFor({ timeout: 20_000 });
        const bar = page.getByRole('progressbar', { name: /^Download of / });
        expect(await bar.evaluate((p: any) => p.value)).toBeGreaterThan(0);
        expect(await page.locator('ul.files .download-progress').innerText()).toMatch(/KiB of \d+(\.\d)? KiB/);
        await shot(page, 'job-file-downloading');
        // Seen: the rest of the file may come at full speed.
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      })(),
    ]);
    const jobFile = path.join(os.tmpdir(), `console-job-file-${randomUUID()}.csv`);
    await jobDownload.saveAs(jobFile);
    expect(parse(readFileSync(jobFile, 'utf8'), { bom: true, columns: true })).toHaveLength(ROWS / 2);
    // Done: the button is itself again, the bar gone.
    await page.locator('ul.files').getByRole('button', { name: /^Download / }).waitFor();
    expect(await page.getByRole('progressbar', { name: /^Download of / }).count()).toBe(0);
    await shot(page, 'job-output-files');
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Exports' }).click();
    await page.getByLabel('Type').selectOption('employees');
    await page.getByRole('textbox', { name: 'Department' }).fill('Sales');

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

    // A local type asks for scope ids; "Run later" schedules it: the export waits, its job `scheduled`.
    await page.getByLabel('Type').selectOption('scope-employees');
    await page.getByLabel('Scope ids (comma-separated)').fill('north, south');
    const later = await localInput(24);
    await page.getByLabel('Run later (optional)').fill(later.value);
    await page.getByRole('button', { name: 'Create export' }).click();
    const scheduled = page.locator('tr[data-export-id]').first();
    await scheduled.getByText('scopes north, south').waitFor();
    await scheduled.getByText('scheduled').waitFor();
    const exportId = await scheduled.getAttribute('data-export-id');
    const alice = client(api.baseUrl, `Bearer ${token}`);
    const created = (await alice.call('GET', `/api/v1/exports/${exportId}`)).json;
    expect(created).toMatchObject({ type: 'scope-employees', scopeIds: ['north', 'south'] });
    expect(await alice.job(created.jobId)).toMatchObject({ status: 'scheduled', scheduledFor: later.iso });
    await shot(page, 'export-scheduled');
  });

  it('uploads a CSV by drag and drop, shows upload progress and the size limit, and each failed row with its reason', async () => {
    const { page, context, api } = c;
    await signIn(page, api.baseUrl, token);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Imports' }).click();
    await page.getByTestId('upload-limit').getByText('Largest file: 1.9 MiB').waitFor();
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

    // Retry failed rows: a new job on the same batch re-runs the two failed rows (they fail again,
    // their data unchanged); the page follows that job to the batch's end.
    const alice = client(api.baseUrl, `Bearer ${token}`);
    const recordId = page.url().split('/').pop()!;
    const before = (await alice.call('GET', `/api/v1/imports/${recordId}`)).json.batches[0];
    await page.getByRole('button', { name: 'Retry failed rows' }).click();
    const jobLink = page.getByTestId('batch-counts').getByRole('link', { name: 'Job' });
    await waitFor(async () => (await jobLink.getAttribute('href')) !== `/console/jobs/${before.jobId}`, { timeoutMs: 30_000, what: 'the batch to show its retry job' });
    const after = (await alice.call('GET', `/api/v1/imports/${recordId}`)).json.batches[0];
    expect(after.jobId).not.toBe(before.jobId);
    expect(await jobLink.getAttribute('href')).toBe(`/console/jobs/${after.jobId}`);
    await waitForJob(alice, after.jobId, (j) => j.status === 'succeeded', 'the retry job to run');
    await page.getByTestId('batch-counts').getByText('4 rows: 2 imported, 2 failed').waitFor({ timeout: 30_000 });
    await page.locator('.title-row .status-partially_failed').first().waitFor({ timeout: 30_000 });
    await page.getByLabel('Show rows').selectOption('failed');
    await page.locator('table.results tbody tr[data-row="3"]').waitFor();
    expect(await page.locator('table.results tbody tr').count()).toBe(2);
    await shot(page, 'import-retried');

    // A file over the server's limit is refused before sending: the size shown, the button disabled.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Imports' }).click();
    const huge = path.join(os.tmpdir(), `console-huge-${randomUUID()}.csv`);
    writeFileSync(huge, 'email,first_name,last_name\n' + 'x'.repeat(2_000_000));
    const importsBefore = (await alice.call('GET', '/api/v1/imports')).json.totalRecords;
    await page.locator('input[type=file]').setInputFiles(huge);
    await page.locator('.drop').getByText('1.9 MiB — larger than the limit, it would be refused').waitFor();
    expect(await page.getByRole('button', { name: 'Upload and import' }).isDisabled()).toBe(true);
    expect((await alice.call('GET', '/api/v1/imports')).json.totalRecords).toBe(importsBefore);
    await shot(page, 'import-too-large');

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
    // Seen: the rest of the file may go at full speed.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.getByRole('heading', { name: /^Import of console-big/ }).waitFor({ timeout: 60_000 });
    await page.getByText('dry run: nothing is written').waitFor();
    await page.getByTestId('batch-counts').getByText('20,000 rows: 20,000 imported, 0 failed').waitFor({ timeout: 90_000 });
  });

  it('cancels a running job from its page; errors of the API show as problems; works on a phone', async () => {
    const { page, api } = c;
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
    // Asked first, as Delete is.
    page.once('dialog', (dialog) => void dialog.accept());
    await page.keyboard.press('Enter');
    await page.locator('.title-row .status-cancelled').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Retry' }).waitFor();
    await page.locator('.timeline').getByText('cancelled').first().waitFor();
    expect((await alice.job(id)).status).toBe('cancelled');
    await shot(page, 'job-cancelled');

    // The list filters by status (kept in the URL, so a reload or a shared link keeps it).
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Jobs' }).click();
    // What was typed and not yet filtered by stays when the Status changes: the list stays at /console/.
    await page.getByLabel('Type').fill('porter-test');
    await page.getByLabel('Status').selectOption('cancelled');
    await page.waitForURL(/status=cancelled/);
    expect(new URL(page.url()).pathname).toBe('/console/');
    expect(await page.getByLabel('Type').inputValue()).toBe('porter-test');
    await page.getByText('1–1 of 1').waitFor();
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByRole('link', { name: 'long steps' }).waitFor();
    await page.reload();
    expect(await page.getByLabel('Status').inputValue()).toBe('cancelled');
    await page.getByText('1–1 of 1').waitFor();
    // A page past the end says so in the table as in the pager, not "No jobs yet.".
    await page.goto(`${api.baseUrl}/console/?offset=5000`);
    await page.getByText(/^Past the end \(\d+ in all\)$/).waitFor();
    expect(await page.locator('tbody td.empty').innerText()).toBe('No jobs on this page: it is past the end of the list.');

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
    // The job page, an import's page and the export form at 390 px: nothing to scroll sideways,
    // their key controls on screen.
    const width = () => page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth);
    await page.goto(`${api.baseUrl}/console/jobs/${id}`);
    await page.getByRole('heading', { name: 'long steps' }).waitFor();
    await page.locator('.timeline li').first().waitFor();
    expect(await width()).toBeLessThanOrEqual(390);
    for (const name of ['Retry', 'Delete', 'Save']) expect(await page.getByRole('button', { name, exact: true }).isVisible()).toBe(true);
    expect(await page.getByRole('progressbar').first().isVisible()).toBe(true);
    await shot(page, 'job-phone');

    const imports = (await alice.call('GET', '/api/v1/imports?limit=50')).json.items as Array<{ id: string; sourceName: string }>;
    const withFailures = imports.find((r) => r.sourceName === 'people.csv')!;
    await page.goto(`${api.baseUrl}/console/imports/${withFailures.id}`);
    await page.getByRole('heading', { name: 'Import of people.csv' }).waitFor();
    await page.locator('table.results tbody tr').first().waitFor();
    expect(await width()).toBeLessThanOrEqual(390);
    for (const name of ['Download failed rows', 'Retry failed rows']) expect(await page.getByRole('button', { name }).isVisible()).toBe(true);
    expect(await page.getByLabel('Show rows').isVisible()).toBe(true);
    await shot(page, 'import-phone');

    await page.goto(`${api.baseUrl}/console/exports`);
    await page.getByRole('button', { name: 'Create export' }).waitFor();
    expect(await width()).toBeLessThanOrEqual(390);
    for (const label of ['Type', 'Format', 'Run later (optional)']) expect(await page.getByLabel(label).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Create export' }).isVisible()).toBe(true);
    await shot(page, 'export-form-phone');
  });

  it('wraps a name of one 200-character word: the jobs list keeps every column in view, the job page its width', async () => {
    const { page, api } = c;
    const alice = client(api.baseUrl, `Bearer ${token}`);
    const id = await alice.submit('porter-test.noop', {}, { name: `Quarterly${'X'.repeat(191)}` });
    await signIn(page, api.baseUrl, token);
    await page.locator('tbody tr', { hasText: 'QuarterlyXXXX' }).first().waitFor();
    // Unwrapped, the word widened its column until status and progress were scrolled out of the table.
    expect(await page.locator('.table-wrap').first().evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await shot(page, 'jobs-long-name');
    await page.goto(`${api.baseUrl}/console/jobs/${id}`);
    await page.getByRole('heading', { level: 1, name: /^QuarterlyX+$/ }).waitFor();
    expect(await page.locator('html').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    // A long name beside a long cron (one 80-character field): both wrap, the table keeps its columns.
    const cron = `${Array.from({ length: 30 }, (_, i) => i).join(',')} * * * *`;
    const created = await alice.call('POST', '/api/v1/export-schedules', { type: 'employees', format: 'csv', name: `Monthly${'Y'.repeat(150)}`, cron, timezone: 'UTC' });
    expect(created.status).toBe(201);
    await page.goto(`${api.baseUrl}/console/schedules`);
    await page.locator('tbody tr', { hasText: 'MonthlyYYYY' }).first().waitFor();
    expect(await page.locator('.table-wrap').first().evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await shot(page, 'schedules-long-name');
  });

  it('job page: retry a failed job, delete it, edit name, description and schedule, move a job to the top (admin); the list filters by type and query', async () => {
    const { page, api } = c;
    const alice = client(api.baseUrl, `Bearer ${token}`);
    const failing = await alice.submit('porter-test.steps', { steps: 3, stepMs: 10, failAttempts: 1, nonRetryable: true }, { name: 'fails once' });
    await waitForJob(alice, failing, (j) => j.status === 'failed', 'the job to fail');
    await signIn(page, api.baseUrl, token);
    await page.goto(`${api.baseUrl}/console/jobs/${failing}`);
    await page.locator('.title-row .status-failed').waitFor();
    await page.getByRole('button', { name: 'Retry' }).click();
    // It runs again (a retry starts its attempts afresh, so it fails the same way) and the page
    // follows it: back in the queue, run, failed a second time, all in the timeline.
    const failedEvents = page.locator('.timeline li strong', { hasText: /^failed$/ });
    await waitFor(async () => ((await failedEvents.count()) === 2 ? true : undefined), { timeoutMs: 30_000, what: 'a second failure in the timeline' });
    await page.locator('.title-row .status-failed').waitFor();
    const types = (await alice.events(failing)).map((e) => e.type);
    expect(types.filter((t) => t === 'failed')).toHaveLength(2);
    expect(types.indexOf('retried')).toBeGreaterThan(types.indexOf('failed'));
    expect(types.lastIndexOf('failed')).toBeGreaterThan(types.indexOf('retried'));
    expect(await page.locator('.timeline li strong', { hasText: /^retried$/ }).count()).toBe(1);
    await shot(page, 'job-retried');

    // Delete asks first; accepted, the job is gone and the page is back on the list.
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    expect(asked).toBe('Delete job fails once and its files?');
    expect((await alice.job(failing)).status).toBe('deleted');

    // Edit a scheduled job: name, description and a later time.
    const nightly = await alice.submit('porter-test.steps', { steps: 2, stepMs: 10 }, { name: 'nightly', scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
    await page.goto(`${api.baseUrl}/console/jobs/${nightly}`);
    await page.getByRole('heading', { name: 'nightly' }).waitFor();
    const later = await localInput(26);
    await page.getByLabel('Name').fill('nightly report');
    await page.getByLabel('Description').fill('moved to tomorrow');
    await page.getByLabel('Scheduled for (empty: run now)').fill(later.value);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: 'nightly report' }).waitFor();
    await page.locator('.facts').getByText('moved to tomorrow').waitFor();
    expect(await alice.job(nightly)).toMatchObject({ name: 'nightly report', description: 'moved to tomorrow', scheduledFor: later.iso, status: 'scheduled' });
    await shot(page, 'job-edited');

    // Move to top: with the worker busy, two jobs wait; the later one moves ahead of the earlier.
    const blockers = await Promise.all(Array.from({ length: 4 }, () => alice.submit('porter-test.steps', { steps: 600, stepMs: 100 }, { name: 'blocker' })));
    const first = await alice.submit('porter-test.steps', { steps: 2, stepMs: 10 }, { name: 'waiting first' });
    const second = await alice.submit('porter-test.steps', { steps: 2, stepMs: 10 }, { name: 'waiting second' });
    const positions = async () => [(await alice.job(first)).position, (await alice.job(second)).position];
    await waitFor(async () => ((await positions()).every((p) => p !== null) ? true : undefined), { what: 'both jobs to wait in the queue' });
    const [firstBefore, secondBefore] = await positions();
    expect(secondBefore!).toBeGreaterThan(firstBefore!);
    await page.goto(`${api.baseUrl}/console/jobs/${second}`);
    await page.getByRole('heading', { name: 'waiting second' }).waitFor();
    await page.getByRole('button', { name: 'Move to top' }).click();
    // The page shows the place the API gave it: where the earlier job was when it moved. Jobs
    // queued by earlier steps may finish in between, so that place is at most the earlier job's
    // place measured before; the API must now have the later job ahead of the earlier one.
    const shownPosition = page.locator('.facts dt:text-is("Queue position") + dd');
    await waitFor(
      async () => {
        const shown = Number(await shownPosition.innerText().catch(() => ''));
        return Number.isInteger(shown) && shown >= 0 && shown <= firstBefore! && shown < secondBefore! ? shown : undefined;
      },
      { what: 'the page to show the new queue position' },
    );
    const [firstAfter, secondAfter] = await positions();
    expect(secondAfter!).toBeLessThanOrEqual(firstBefore!);
    expect(firstAfter!).toBeGreaterThan(secondAfter!);
    expect((await alice.events(second)).map((e) => e.type)).toContain('moved_to_top');
    await shot(page, 'job-moved-to-top');

    // The list: a type filter and a query, both kept in the URL; the page counts what the API counts.
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Jobs' }).click();
    const total = async (q: string) => (await alice.call('GET', `/api/v1/jobs?${q}`)).json.totalRecords as number;
    await page.getByLabel('Type').fill('porter-test.steps');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/type=porter-test.steps/);
    const steps = await total('type=porter-test.steps');
    await page.getByText(`1–${steps} of ${steps}`).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(steps);
    expect(await page.getByRole('link', { name: 'waiting second' }).isVisible()).toBe(true);
    expect(await page.locator('tbody').getByText('scope-employees').count()).toBe(0);

    await page.getByLabel('Type').fill('');
    await page.getByLabel('Query').fill('status==scheduled');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/query=status/);
    const scheduledCount = await total(`query=${encodeURIComponent('status==scheduled')}`);
    expect(scheduledCount).toBeGreaterThanOrEqual(1);
    await page.getByText(`1–${scheduledCount} of ${scheduledCount}`).waitFor();
    expect(await page.getByRole('link', { name: 'nightly report' }).isVisible()).toBe(true);
    expect(await page.locator('tbody .status').allInnerTexts()).toEqual(Array(scheduledCount).fill('scheduled'));
    await shot(page, 'jobs-filtered');

    await Promise.all([...blockers, first, second, nightly].map((job) => alice.call('POST', `/api/v1/jobs/${job}/cancel`)));
  });
});

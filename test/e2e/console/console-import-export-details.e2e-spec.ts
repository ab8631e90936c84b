import { randomUUID } from 'crypto';
import { writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { bearer } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';
import { client } from '../jobs/job-support';
import { shot, signIn, useConsole } from './console-support';

// WEBHOOK_ALLOWED_HOSTS: an endpoint on 127.0.0.1 may be registered (the long-word test shows its page).
const ENV = { PORTER_ENABLE_TEST_JOB_TYPES: '1', JOB_POLLING_INTERVAL_MS: '200', JOB_LOCK_DURATION_MS: '5000', SHUTDOWN_GRACE_MS: '5000', LOG_LEVEL: 'info', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:*' };

describe('web console: why imports failed, what sets exports apart, honest upload progress, favicon', () => {
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant, { admin: true, scopes: ['north'] }).replace(/^Bearer /, '');
  const bob = bearer('bob', tenant, { scopes: ['north'] }).replace(/^Bearer /, '');
  const c = useConsole(ENV, { seed: { tenant, employees: 20 }, contextOptions: { acceptDownloads: true } });
  /** Requests the browser made that the server answered 404 (a favicon.ico, say). */
  let missing: string[];
  const width = () => c.page.locator('html').evaluate((el) => el.scrollWidth);
  const snap = (name: string) => shot(c.page, name);
  /** Drops a file on the import page's drop zone, as a person drags one from their desktop. */
  const drop = async (name: string, bytes: number[]) => {
    const transfer = await c.page.evaluateHandle(
      ([fileName, content]) => {
        const data = new (globalThis as any).DataTransfer();
        data.items.add(new (globalThis as any).File([new Uint8Array(content)], fileName, { type: 'text/csv' }));
        return data;
      },
      [name, bytes] as const,
    );
    await c.page.locator('.drop').dispatchEvent('drop', { dataTransfer: transfer });
    await c.page.locator('.drop').getByText(name).waitFor();
  };
  const text = (s: string) => [...Buffer.from(s, 'utf8')];
  beforeEach(() => {
    missing = [];
    c.page.on('response', (res) => void (res.status() === 404 && missing.push(res.url())));
  });

  it('a failed batch says why, with no full green bar; the imports list says how many batches failed', async () => {
    const { page, api } = c;
    const alice = client(api.baseUrl, `Bearer ${token}`);
    // An aborted batch (onError "abort", row 2 invalid), made through the API: the console has no abort option.
    const aborted = (await alice.call('POST', '/api/v1/imports', { type: 'employees', sourceName: 'abort.csv', expectedReferenceCount: -1, options: { onError: 'abort' } })).json;
    const form = new FormData();
    form.append('file', new Blob(['email,first_name,last_name\nok1@example.com,Ok,One\nnot-an-email,Bad,Row\nok2@example.com,Ok,Two\n'], { type: 'text/csv' }), 'abort.csv');
    expect((await fetch(`${api.baseUrl}/api/v1/imports/${aborted.id}/batches`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })).status).toBe(202);
    await alice.call('POST', `/api/v1/imports/${aborted.id}/finalize`);
    // A batch that imports one row and refuses the other (the default onError "continue").
    const partial = (await alice.call('POST', '/api/v1/imports', { type: 'employees', sourceName: 'partial.csv', expectedReferenceCount: -1 })).json;
    const partialForm = new FormData();
    partialForm.append('file', new Blob(['email,first_name,last_name\nok3@example.com,Ok,Three\nnot-an-email,Bad,Row\n'], { type: 'text/csv' }), 'partial.csv');
    expect((await fetch(`${api.baseUrl}/api/v1/imports/${partial.id}/batches`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: partialForm })).status).toBe(202);
    await alice.call('POST', `/api/v1/imports/${partial.id}/finalize`);

    // A file with a header and no data row, dropped on the page: its batch fails in the worker.
    await signIn(page, api.baseUrl, token);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Imports' }).click();
    await drop('semi.csv', text('email,first_name,last_name\n'));
    await page.getByRole('button', { name: 'Upload and import' }).click();
    await page.getByRole('heading', { name: 'Import of semi.csv' }).waitFor();
    const failure = page.getByTestId('batch-failure');
    await failure.waitFor({ timeout: 60_000 });
    expect(await failure.innerText()).toMatch(/This batch failed: no row was imported\s+the file has a header row but no data rows/);
    expect(await page.getByTestId('batch-counts').innerText()).toMatch(/^No rows imported\. Job$/);
    // No bar at all (not a full green one), no empty results table.
    expect(await page.locator('.panel').getByRole('progressbar').count()).toBe(0);
    expect(await page.locator('table.results').count()).toBe(0);
    // The record completes a moment after its batch ends; the page reads it until it does.
    const recordLine = page.locator('p', { has: page.getByTestId('failed-batches') });
    await recordLine.getByText('completed').waitFor({ timeout: 30_000 });
    expect(await recordLine.innerText()).toMatch(/^employees · completed · 1 of 1 batch failed · created/);
    await snap('import-failed-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await width()).toBeLessThanOrEqual(390);
    await snap('import-failed-390');
    await page.setViewportSize({ width: 1280, height: 800 });

    // The aborted batch: its reason, a bar in the failed style at the share of the file it read.
    await page.goto(`${api.baseUrl}/console/imports/${aborted.id}`);
    await page.getByRole('heading', { name: 'Import of abort.csv' }).waitFor();
    await page.getByTestId('batch-failure').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('batch-failure').innerText()).toMatch(/This batch stopped before the end of its file\s+aborted \(onError "abort"\): row 2 is invalid: column "email": value "not-an-email" is not an email address/);
    const bar = page.locator('.panel progress');
    expect(await bar.getAttribute('data-status')).toBe('failed');
    expect(await bar.evaluate((p: any) => p.value)).toBeLessThan(100);
    expect(await page.getByTestId('batch-counts').innerText()).toMatch(/^1 of 3 rows have a result: 0 imported, 1 failed\. Job$/);
    await snap('import-aborted-1280');

    // The list: both records are `completed`, and say their batch failed, and why.
    await waitFor(async () => (await alice.call('GET', `/api/v1/imports/${partial.id}`)).json.status === 'completed', { timeoutMs: 60_000, what: 'partial.csv completed' });
    await page.getByRole('link', { name: 'Imports' }).first().click();
    for (const [source, reason] of [
      ['semi.csv', 'the file has a header row but no data rows'],
      ['abort.csv', 'aborted \\(onError "abort"\\): row 2 is invalid'],
    ]) {
      const row = page.locator('tbody tr', { has: page.getByRole('link', { name: source }) });
      await row.waitFor();
      expect(await row.locator('td').nth(2).innerText()).toMatch(new RegExp(`^completed · 1 of 1 batch failed\\s+${reason}`));
      expect(await row.getByTestId('failed-batches').evaluate((el) => (globalThis as any).getComputedStyle(el).color)).toBe('rgb(180, 35, 24)');
    }
    // A batch with some failed rows is said too, in the warning colour: a green `completed` alone would hide them.
    const partialRow = page.locator('tbody tr', { has: page.getByRole('link', { name: 'partial.csv' }) });
    await partialRow.getByTestId('partial-batches').waitFor();
    expect(await partialRow.locator('td').nth(2).innerText()).toBe('completed · 1 of 1 batch had failed rows');
    expect(await partialRow.getByTestId('partial-batches').evaluate((el) => (globalThis as any).getComputedStyle(el).color)).not.toBe('rgb(180, 35, 24)');
    expect(await partialRow.locator('td').nth(3).innerText()).toBe('1 / 1 of 2');
    await snap('imports-list-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await width()).toBeLessThanOrEqual(390);
    await snap('imports-list-390');
    expect(missing).toEqual([]);
  });

  it("one long word outside a table (an import's file name, a job's description, a webhook's description) never pushes a phone's page sideways", async () => {
    const { page, api } = c;
    const alice = client(api.baseUrl, `Bearer ${token}`);
    const word = 'quarterly_employee_master_data_'.repeat(6);
    const record = (await alice.call('POST', '/api/v1/imports', { type: 'employees', sourceName: `${word}.csv`, expectedReferenceCount: -1 })).json;
    const form = new FormData();
    form.append('file', new Blob(['email,first_name,last_name\nlong@example.com,Long,Word\n'], { type: 'text/csv' }), `${word}.csv`);
    expect((await fetch(`${api.baseUrl}/api/v1/imports/${record.id}/batches`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })).status).toBe(202);
    const job = (await alice.call('POST', '/api/v1/job-queue/testing/jobs', { type: 'porter-test.noop', name: 'A job with a long description', description: word })).json;
    const hook = await alice.call('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', description: word, events: ['*'] });
    expect(hook.status).toBe(201);

    await signIn(page, api.baseUrl, token);
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [href, heading, name] of [
      [`/console/imports/${record.id}`, `Import of ${word}.csv`, 'long-word-import-390'],
      [`/console/jobs/${job.jobId}`, 'A job with a long description', 'long-word-job-390'],
      [`/console/webhooks/${hook.json.id}`, 'http://127.0.0.1:9/hook', 'long-word-webhook-390'],
    ]) {
      await page.goto(`${api.baseUrl}${href}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      // The long word itself: the batch's heading on the import's page, the description elsewhere.
      await (href.includes('/imports/') ? page.getByRole('heading', { name: `${word}.csv`, level: 2 }) : page.getByText(word).first()).waitFor();
      expect({ href, width: await width() }).toEqual({ href, width: 390 });
      await snap(name);
    }
  });

  it('counts of a thousand and more read with grouped digits, as on a job\'s page: an import\'s page, the imports and exports lists', async () => {
    const { page, api } = c;
    const alice = client(api.baseUrl, `Bearer ${token}`);
    const rows = Array.from({ length: 1200 }, (_, i) => `grouped${i}@example.com,Grouped,Row${i}`);
    const record = (await alice.call('POST', '/api/v1/imports', { type: 'employees', sourceName: 'grouped.csv', expectedReferenceCount: -1 })).json;
    const form = new FormData();
    form.append('file', new Blob([`email,first_name,last_name\n${rows.join('\n')}\n`], { type: 'text/csv' }), 'grouped.csv');
    expect((await fetch(`${api.baseUrl}/api/v1/imports/${record.id}/batches`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form })).status).toBe(202);
    await alice.call('POST', `/api/v1/imports/${record.id}/finalize`);
    await waitFor(async () => (await alice.call('GET', `/api/v1/imports/${record.id}`)).json.status === 'completed', { timeoutMs: 60_000, what: 'grouped.csv completed' });
    const exported = (await alice.call('POST', '/api/v1/exports', { type: 'employees', format: 'csv', name: 'grouped export' })).json;
    await waitFor(async () => (await alice.call('GET', `/api/v1/exports/${exported.id}`)).json.status === 'succeeded', { timeoutMs: 60_000, what: 'grouped export succeeded' });
    const employees = (await alice.call('GET', `/api/v1/exports/${exported.id}`)).json.itemsCount as number;
    expect(employees).toBeGreaterThan(1200);

    await signIn(page, api.baseUrl, token);
    await page.goto(`${api.baseUrl}/console/imports/${record.id}`);
    await page.getByRole('heading', { name: 'Import of grouped.csv' }).waitFor();
    await page.getByTestId('batch-counts').getByText('1,200 rows').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('batch-counts').innerText()).toMatch(/^1,200 rows: 1,200 imported, 0 failed\. Job$/);
    await page.goto(`${api.baseUrl}/console/imports`);
    const importRow = page.locator('tbody tr', { has: page.getByRole('link', { name: 'grouped.csv' }) });
    await importRow.waitFor();
    expect(await importRow.locator('td').nth(3).innerText()).toBe('1,200 / 0 of 1,200');
    await page.goto(`${api.baseUrl}/console/exports`);
    const exportRow = page.locator('tbody tr', { has: page.getByRole('link', { name: 'grouped export' }) });
    await exportRow.waitFor();
    expect(await exportRow.locator('td').nth(3).innerText()).toBe(employees.toLocaleString('en-US'));
    await snap('grouped-counts-exports-1280');
  });

  it('upload progress speaks of the file, not of the request; a refused upload leaves no empty import behind', async () => {
    const { page, context, api } = c;
    const alice = client(api.baseUrl, `Bearer ${token}`);
    await signIn(page, api.baseUrl, token);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Imports' }).click();
    // A file sent slowly enough (throttled) to read the progress line while it moves.
    const big = path.join(os.tmpdir(), `progress-${randomUUID()}.csv`);
    writeFileSync(big, 'email,first_name,last_name\n' + Array.from({ length: 12_000 }, (_, i) => `slow${i}@example.com,Slow,Person ${i}`).join('\n') + '\n');
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 150 * 1024 });
    await page.locator('input[type=file]').setInputFiles(big);
    const size = await page.locator('.drop strong').evaluate((el: any) => String(el.parentElement.textContent).split(' · ')[1]);
    await page.getByLabel('Dry run (validate only, write nothing)').check();
    await page.getByRole('button', { name: 'Upload and import' }).click();
    const progress = page.getByTestId('upload-progress');
    await waitFor(async () => (/: [1-9]\d?%$/.test(await progress.innerText().catch(() => '')) ? true : undefined), { what: 'the upload to be under way', timeoutMs: 30_000 });
    expect(await progress.innerText()).toMatch(new RegExp(`^Uploading ${path.basename(big)} \\(${size.replace('.', '\\.')}\\): \\d+%$`));
    await snap('import-uploading-1280');
    // Seen: the rest of the file may go at full speed.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.getByRole('heading', { name: /^Import of progress-/ }).waitFor({ timeout: 60_000 });

    // A file the API refuses (415: binary): the problem is shown, and no empty record is left.
    await page.getByRole('link', { name: 'Imports' }).first().click();
    const before = (await alice.call('GET', '/api/v1/imports')).json.totalRecords;
    await drop('binary.csv', [0x61, 0x2c, 0x62, 0x0a, 0, 1, 2, 3, 0, 0, 0, 0x10, 0x20, 0, 0]);
    await page.getByRole('button', { name: 'Upload and import' }).click();
    const problem = page.getByRole('alert');
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/\(415\)[\s\S]*Unsupported file/);
    expect(await page.getByRole('progressbar', { name: 'Upload progress' }).count()).toBe(0);
    await waitFor(async () => ((await alice.call('GET', '/api/v1/imports')).json.totalRecords === before ? true : undefined), { what: 'the refused upload’s record to be deleted' });
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('tbody tr').first().waitFor();
    expect(await page.getByRole('link', { name: 'binary.csv' }).count()).toBe(0);
    await snap('import-refused-1280');
  });

  it('the exports list tells exports apart: name, filters, left-out columns; a changed form drops its old error; no favicon 404', async () => {
    const { page, api } = c;
    const alice = client(api.baseUrl, `Bearer ${token}`);
    const types = (await alice.call('GET', '/api/v1/exports/types')).json as Array<{ type: string; columns?: Array<{ name: string }> }>;
    const all = types.find((t) => t.type === 'employees')!.columns!.map((c) => c.name);
    const created = [
      { type: 'employees', format: 'csv', name: 'sales people', filters: { department: 'Sales' }, columns: all.filter((c) => c !== 'notes') },
      { type: 'employees', format: 'csv', filters: { department: 'Ops', active: true } },
      { type: 'employees', format: 'jsonl', name: `Quarterly${'Q'.repeat(191)}`, filters: { department: `Dept${'D'.repeat(150)}` } },
    ];
    for (const body of created) expect((await alice.call('POST', '/api/v1/exports', body)).status).toBe(202);

    await signIn(page, api.baseUrl, token);
    expect(await page.locator('link[rel=icon]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,/);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Exports' }).click();
    const summary = (name: string | RegExp) => page.locator('tr[data-export-id]', { has: page.getByRole('link', { name }) }).getByTestId('export-summary');
    await summary('sales people').waitFor();
    expect(await summary('sales people').innerText()).toBe('employees · csv · department=Sales · without notes');
    expect(await summary(/^employees$/).innerText()).toBe('csv · active=true · department=Ops');
    expect(await summary(/^QuarterlyQ+$/).innerText()).toMatch(/^employees · jsonl · department=DeptD+$/);
    expect(await page.locator('.table-wrap').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await snap('exports-list-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await width()).toBeLessThanOrEqual(390);
    await snap('exports-list-390');
    expect(missing).toEqual([]);

    // bob may not request a global type: the 403 shows; switching to a scoped type clears it, and
    // a Create the browser itself stops (scope ids required) shows no stale error under its bubble.
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.evaluate(() => (globalThis as any).sessionStorage.clear());
    await signIn(page, api.baseUrl, bob);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Exports' }).click();
    await page.getByLabel('Type').selectOption('employees');
    await page.getByRole('button', { name: 'Create export' }).click();
    const refused = page.locator('form').getByRole('alert');
    await refused.waitFor();
    expect(await refused.innerText()).toMatch(/Forbidden \(403\)[\s\S]*You may not request a "employees" export/);
    await page.getByLabel('Type').selectOption('scope-employees');
    expect(await refused.count()).toBe(0);
    await page.getByRole('button', { name: 'Create export' }).click();
    expect(await page.getByLabel('Scope ids (comma-separated)').evaluate((el: any) => el.validity.valueMissing)).toBe(true);
    expect(await refused.count()).toBe(0);
    // Submitted again unchanged, a refusal shows again (and goes when a field is typed in).
    await page.getByLabel('Type').selectOption('employees');
    await page.getByRole('button', { name: 'Create export' }).click();
    await refused.waitFor();
    await page.getByLabel('Name (optional)').fill('x');
    expect(await refused.count()).toBe(0);
    await snap('export-form-error-cleared-1280');
    expect(missing).toEqual([]);
  });
});

import { randomUUID } from 'crypto';
import { readFileSync } from 'fs';
import { Request } from 'playwright-core';
import { bearer } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';
import { client, waitForJob } from '../jobs/job-support';
import { pageWidth, shot, signIn, useConsole } from './console-support';

const ENV = {
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '5000',
  SCHEDULE_TICK_INTERVAL_MS: '250',
  LOG_LEVEL: 'info',
};
const KEPT = 'The page you were on is kept as you left it';

/** QA findings: a refused first sign-in, a job's attachments and the export or import it belongs to, one date format. */
describe('web console: refused sign-in, a job page\'s files and owner, one date format', () => {
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant, { admin: true, scopes: ['north'] }).replace(/^Bearer /, '');
  const c = useConsole(ENV, { seed: { tenant, employees: 30 }, contextOptions: { acceptDownloads: true } });
  const alice = () => client(c.baseUrl, `Bearer ${token}`);

  /** Every API request the page makes (but the sign-in form's own), as "METHOD /path?query token" ("-": no token). */
  const recordApiCalls = (): string[] => {
    const calls: string[] = [];
    c.page.on('request', (request: Request) => {
      const url = new URL(request.url());
      const auth = request.headers().authorization;
      if (url.pathname.startsWith('/api/') && !url.pathname.startsWith('/api/dev/')) calls.push(`${request.method()} ${url.pathname}${url.search} ${auth ? auth.replace(/^Bearer /, '') : '-'}`);
    });
    return calls;
  };
  const tryToken = async (value: string) => {
    await c.page.getByLabel('Bearer token').fill(value);
    await c.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  };

  it('a token refused at sign-in requests no page data and says nothing of a kept page; a session that ended still keeps it', async () => {
    const { page, api } = c;
    const calls = recordApiCalls();
    // A fresh tab on the exports page.
    await page.goto(`${api.baseUrl}/console/exports`);
    await page.getByRole('heading', { name: 'Sign in to Porter' }).waitFor();
    await tryToken('garbage.token.here');
    const problem = page.getByRole('alert');
    await problem.waitFor();
    expect(await problem.innerText()).toMatch(/Unauthorized \(401\)/);
    await page.waitForTimeout(1000); // what the page would have asked for, had it been mounted
    expect(calls).toEqual(['GET /api/v1/jobs?limit=1 garbage.token.here']);
    expect(await page.getByText(KEPT).count()).toBe(0);
    // The refusal is said in the form, not again as a "signed out" line above it.
    expect(await page.locator('.signin > p.problem').count()).toBe(0);
    await shot(page, 'sign-in-refused-first');

    // Signed in, then signed out: the same.
    await tryToken(token);
    await page.getByRole('heading', { name: 'Exports', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Porter' }).waitFor();
    await page.waitForTimeout(300);
    calls.length = 0;
    await page.goto(`${api.baseUrl}/console/exports`);
    await page.getByRole('heading', { name: 'Sign in to Porter' }).waitFor();
    await tryToken('garbage.token.here');
    await problem.waitFor();
    await page.waitForTimeout(1000);
    expect(calls).toEqual(['GET /api/v1/jobs?limit=1 garbage.token.here']);
    expect(await page.getByText(KEPT).count()).toBe(0);

    // A session that ends mid-way (the API refuses the token): the page is kept, and stays kept
    // through a refused attempt, until a good token brings it back with what was typed.
    await tryToken(token);
    await page.getByRole('heading', { name: 'Exports', level: 1 }).waitFor();
    await page.getByLabel('Name (optional)').fill('typed before');
    await page.evaluate(() => (globalThis as any).sessionStorage.setItem('porter.token', 'expired.token.value'));
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('heading', { name: 'Sign in to Porter' }).waitFor();
    await page.getByText(KEPT).waitFor();
    calls.length = 0;
    await tryToken('garbage.token.here');
    await problem.waitFor();
    await page.waitForTimeout(500);
    expect(calls).toEqual(['GET /api/v1/jobs?limit=1 garbage.token.here']);
    expect(await page.getByText(KEPT).count()).toBe(1);
    await shot(page, 'sign-in-refused-page-kept');
    await tryToken(token);
    await page.getByRole('heading', { name: 'Exports', level: 1 }).waitFor();
    expect(await page.getByLabel('Name (optional)').inputValue()).toBe('typed before');
  });

  it('a job page lists its output files and its attachments apart, each downloadable', async () => {
    const { page, api } = c;
    const created = await alice().call('POST', '/api/v1/exports', { type: 'employees', format: 'csv', name: 'with a note' });
    expect(created.status).toBe(202);
    const jobId: string = created.json.jobId;
    const form = new FormData();
    form.append('file', new Blob(['remember the footer\n'], { type: 'text/plain' }), 'notes.txt');
    const attached = await fetch(`${api.baseUrl}/api/v1/jobs/${jobId}/attachments`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    expect(attached.status).toBe(201);
    await waitForJob(alice(), jobId, (j) => j.status === 'succeeded', 'the export job to succeed');

    await signIn(page, api.baseUrl, token);
    await page.goto(`${api.baseUrl}/console/jobs/${jobId}`);
    await page.getByRole('heading', { name: 'with a note', level: 1 }).waitFor();
    const outputs = page.getByRole('region', { name: 'Output files' });
    const attachments = page.getByRole('region', { name: 'Attachments' });
    await outputs.getByRole('button', { name: /Download .*\.csv/ }).waitFor();
    await attachments.getByRole('button', { name: 'Download notes.txt' }).waitFor();
    expect(await outputs.getByRole('button', { name: 'Download notes.txt' }).count()).toBe(0);
    expect(await attachments.getByRole('button', { name: /\.csv/ }).count()).toBe(0);
    await shot(page, 'job-page-outputs-and-attachments');
    const download = page.waitForEvent('download');
    await attachments.getByRole('button', { name: 'Download notes.txt' }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toBe('notes.txt');
    expect(readFileSync((await saved.path())!, 'utf8')).toBe('remember the footer\n');
    const csv = page.waitForEvent('download');
    await outputs.getByRole('button', { name: /Download .*\.csv/ }).click();
    expect(readFileSync((await (await csv).path())!, 'utf8').trim().split('\n')).toHaveLength(31);

    // A job with no attachments shows no Attachments heading; one with no files says so under Output files.
    const plain = await alice().submit('porter-test.noop', {}, { name: 'plain' });
    await waitForJob(alice(), plain, (j) => j.status === 'succeeded', 'the noop job to succeed');
    await page.goto(`${api.baseUrl}/console/jobs/${plain}`);
    await page.getByRole('heading', { name: 'plain', level: 1 }).waitFor();
    await page.getByRole('region', { name: 'Output files' }).getByText('No files.').waitFor();
    expect(await page.getByRole('heading', { name: 'Attachments' }).count()).toBe(0);
  });

  it('a job page links the export or the import the job belongs to; an export has a page of its own', async () => {
    const { page, api } = c;
    const created = await alice().call('POST', '/api/v1/exports', { type: 'employees', format: 'csv', name: 'owned export' });
    expect(created.status).toBe(202);
    const exportId: string = created.json.id;
    const jobId: string = created.json.jobId;
    await signIn(page, api.baseUrl, token);
    await page.goto(`${api.baseUrl}/console/jobs/${jobId}`);
    await page.getByRole('heading', { name: 'owned export', level: 1 }).waitFor();
    const owner = page.locator('[data-testid="job-owner"] a');
    await owner.waitFor();
    expect(await owner.innerText()).toBe('owned export');
    await shot(page, 'job-page-export-link');
    await owner.click();
    await page.waitForURL(`${api.baseUrl}/console/exports/${exportId}`);
    await page.getByRole('heading', { name: 'owned export', level: 1 }).waitFor();
    const row = page.locator(`tr[data-export-id="${exportId}"]`);
    await row.getByRole('button', { name: /Download/ }).waitFor({ timeout: 30_000 });
    expect(await page.title()).toBe('Export owned export — Porter');
    expect(await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Exports' }).getAttribute('aria-current')).toBe('page');
    await shot(page, 'export-page');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await shot(page, 'export-page-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    // And back to its job.
    await row.getByRole('link', { name: 'owned export' }).click();
    await page.getByRole('heading', { name: 'owned export', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/jobs/${jobId}`);

    // A later export whose job's description was edited to name the first links neither.
    const later = await alice().call('POST', '/api/v1/exports', { type: 'employees', format: 'csv', name: 'later export', scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
    expect((await alice().call('PATCH', `/api/v1/jobs/${later.json.jobId}`, { description: `Export ${exportId}` })).status).toBe(200);
    await page.goto(`${api.baseUrl}/console/jobs/${later.json.jobId}`);
    await page.getByRole('heading', { name: 'later export', level: 1 }).waitFor();
    await page.getByText(`Export ${exportId}`).first().waitFor();
    await page.waitForTimeout(1000);
    expect(await page.locator('[data-testid="job-owner"]').count()).toBe(0);
    // An export page for an id that is not there says the API's 404.
    await page.goto(`${api.baseUrl}/console/exports/00000000-0000-4000-8000-000000000000`);
    await page.getByRole('alert').filter({ hasText: '404' }).waitFor();

    // An import batch's job links its import.
    const record = (await alice().call('POST', '/api/v1/imports', { type: 'employees', sourceName: 'people.csv', expectedReferenceCount: -1 })).json;
    const upload = new FormData();
    upload.append('file', new Blob(['email,first_name,last_name\nok1@example.com,Ok,One\n'], { type: 'text/csv' }), 'people.csv');
    expect((await fetch(`${api.baseUrl}/api/v1/imports/${record.id}/batches`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: upload })).status).toBe(202);
    let batchJob = '';
    await waitFor(
      async () => {
        batchJob = (await alice().call('GET', `/api/v1/imports/${record.id}`)).json.batches?.[0]?.jobId ?? '';
        return Boolean(batchJob);
      },
      { what: 'the batch job' },
    );
    await page.goto(`${api.baseUrl}/console/jobs/${batchJob}`);
    const importLink = page.locator('[data-testid="job-owner"] a');
    await importLink.waitFor();
    expect(await importLink.innerText()).toBe('people.csv');
    expect(await page.locator('[data-testid="job-owner"]').locator('xpath=preceding-sibling::dt[1]').innerText()).toBe('Import');
    await shot(page, 'job-page-import-link');
    await importLink.click();
    await page.waitForURL(`${api.baseUrl}/console/imports/${record.id}`);
    await page.getByRole('heading', { name: 'people.csv', level: 2 }).waitFor();
  });

  it('says every time in one format: a schedule\'s zone and the viewer\'s alike (padded day, month and hour)', async () => {
    const { api } = c;
    const page = await c.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
    const { json: s } = await alice().call('POST', '/api/v1/export-schedules', { type: 'employees', format: 'csv', cron: '0 6 * * *', timezone: 'Europe/Berlin', name: 'berlin format' });
    await signIn(page, api.baseUrl, token);
    const dateTime = String.raw`\d\d/\d\d/\d{4}, \d\d:\d\d:\d\d`;
    await page.goto(`${api.baseUrl}/console/schedules`);
    const row = page.getByRole('row', { name: /berlin format/ });
    await row.waitFor();
    expect(await row.innerText()).toMatch(new RegExp(`${dateTime} AM \\(Europe/Berlin\\)[\\s\\S]*${dateTime} AM (EST|EDT) your time`));

    await page.goto(`${api.baseUrl}/console/schedules/${s.id}`);
    await page.getByRole('heading', { name: 'berlin format', level: 1 }).waitFor();
    const nextRuns = page.locator('.facts dd').nth(2).locator(':scope > div');
    await waitFor(async () => (await nextRuns.count()) === 5, { what: 'five next runs' });
    for (const text of await nextRuns.allInnerTexts()) expect(text).toMatch(new RegExp(`^${dateTime} AM \\(Europe/Berlin\\)\\s+${dateTime} AM (EST|EDT) your time$`));
    await page.getByRole('button', { name: 'Run now' }).click();
    const run = page.locator('tr[data-run-id]').first();
    await run.locator('.status-succeeded').waitFor({ timeout: 30_000 });
    expect(await run.innerText()).toMatch(new RegExp(`${dateTime} (AM|PM) \\(Europe/Berlin\\)`));
    await shot(page, 'schedule-one-date-format');
  });
});

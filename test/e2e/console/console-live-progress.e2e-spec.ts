import { randomUUID } from 'crypto';
import { Page, Request } from 'playwright-core';
import { PENDING_POLL_MS } from '../../../apps/console/src/poll-policy';
import { bearer } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';
import { client } from '../jobs/job-support';
import { letPageTimePass, shot, signIn, useConsole } from './console-support';

const ENV = {
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '5000',
  WORKER_CONCURRENCY: '6',
  LOG_LEVEL: 'info',
};

/** The console's stream budget (apps/console/src/watch.ts MAX_STREAMS). */
const MAX_STREAMS = 3;

describe('console progress bars follow the job stream (GET /jobs/{id}/stream) instead of polling', () => {
  const tenant = `t-${randomUUID()}`;
  const token = bearer('alice', tenant).replace(/^Bearer /, '');
  const c = useConsole(ENV);
  const alice = () => client(c.baseUrl, `Bearer ${token}`);

  /** Every API request the page makes, and the streams open at each moment. */
  function trackRequests(p: Page) {
    const requests: Request[] = [];
    const open = new Set<Request>();
    let mostOpen = 0;
    p.on('request', (r) => {
      requests.push(r);
      if (/\/stream$/.test(new URL(r.url()).pathname)) {
        open.add(r);
        mostOpen = Math.max(mostOpen, open.size);
      }
    });
    const done = (r: Request) => open.delete(r);
    p.on('requestfinished', done);
    p.on('requestfailed', done);
    return { requests, mostOpen: () => mostOpen };
  }

  it("moves the job page's bar from the stream, with the token in a header and not in the URL, and reads the job only on status changes", async () => {
    const { page, api } = c;
    await signIn(page, api.baseUrl, token);
    const id = await alice().submit('porter-test.steps', { steps: 40, stepMs: 150 }, { name: 'streamed steps' });
    const tracked = trackRequests(page);
    await page.goto(`${api.baseUrl}/console/jobs/${id}`);
    await page.getByRole('heading', { name: 'streamed steps' }).waitFor();
    const value = () => page.evaluate(() => Number((globalThis as any).document.querySelector('progress')?.value ?? 0));
    await page.waitForFunction(() => ((globalThis as any).document.querySelector('progress')?.value ?? 0) > 0, undefined, { timeout: 30_000 });
    const first = await value();
    await page.waitForFunction((v) => ((globalThis as any).document.querySelector('progress')?.value ?? 0) > v, first, { timeout: 30_000 });
    await shot(page, 'job-streamed-progress');
    await page.locator('.title-row .status-succeeded').waitFor({ timeout: 30_000 });
    expect(await value()).toBe(100);

    const streams = tracked.requests.filter((r) => new URL(r.url()).pathname === `/api/v1/jobs/${id}/stream`);
    expect(streams.length).toBeGreaterThanOrEqual(1);
    for (const s of streams) {
      expect(s.headers()['authorization']).toBe(`Bearer ${token}`);
      expect(s.url()).not.toContain(token);
      expect(new URL(s.url()).search).toBe('');
    }
    // Polling once a second for these ~6 s would read the job 6+ times; the stream needs the first
    // read and one per status change it saw (running, succeeded), and a reconnection at most.
    const reads = tracked.requests.filter((r) => r.method() === 'GET' && new URL(r.url()).pathname === `/api/v1/jobs/${id}`);
    expect(reads.length).toBeLessThanOrEqual(4);
  });

  it('keeps every row of the jobs list live with at most MAX_STREAMS streams open, and all rows reach succeeded', async () => {
    const { page, api } = c;
    // The page's clock is Playwright's: once every job has ended, the rows' next reads come at once.
    await page.clock.install();
    await signIn(page, api.baseUrl, token);
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => alice().submit('porter-test.steps', { steps: 20, stepMs: 200 }, { name: `row ${i}` })));
    const tracked = trackRequests(page);
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    for (const id of ids) await page.locator(`tr[data-job-id="${id}"]`).waitFor();
    // Some bar moves while its job runs (not only at the end).
    await page.waitForFunction(
      () => [...(globalThis as any).document.querySelectorAll('tbody progress')].some((p: any) => p.value > 0 && p.value < 100),
      undefined,
      { timeout: 30_000, polling: 50 },
    );
    // A row that found its job pending reads it again every 5 s: once the API says every job has
    // succeeded, that wait passes on the page's clock.
    await waitFor(async () => (await Promise.all(ids.map((id) => alice().job(id)))).every((job) => job.status === 'succeeded'), { timeoutMs: 60_000, what: 'every job to succeed' });
    await letPageTimePass(page, PENDING_POLL_MS);
    for (const id of ids) await page.locator(`tr[data-job-id="${id}"] .status-succeeded`).waitFor({ timeout: 60_000 });
    await shot(page, 'jobs-streamed');
    expect(tracked.mostOpen()).toBeGreaterThanOrEqual(1);
    expect(tracked.mostOpen()).toBeLessThanOrEqual(MAX_STREAMS);
    // Every bar reached 100 %.
    for (const id of ids) {
      expect(await page.locator(`tr[data-job-id="${id}"] progress`).evaluate((p: any) => p.value)).toBe(100);
    }
  });
});

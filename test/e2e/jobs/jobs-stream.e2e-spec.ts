import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { client, JOB_ENV, waitForJob } from './job-support';
import { openJobStream, OpenedStream, residentBytes } from './sse-reader';

/** Bound on the API's resident memory growth while it serves 200 streams (measured: see docs/job-queue.md). */
const RSS_GROWTH_BOUND_BYTES = 100 * 1024 * 1024;

describe('live job stream (GET /jobs/{id}/stream) with real api and worker processes', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  const tenant = `t-${randomUUID()}`;
  const alice = () => client(api.baseUrl, bearer('alice', tenant));
  const open = (id: string, lastEventId?: string, who = bearer('alice', tenant)) => openJobStream(api.baseUrl, who, id, lastEventId);

  async function metric(name: string): Promise<number> {
    const text = await (await fetch(`${api.baseUrl}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  beforeAll(async () => {
    [api, worker] = await Promise.all([
      // The poll interval stays at its default (250 ms); heartbeats are shortened so a test sees them.
      // 200 streams of one user below: past the default per-user limit (50), which its own test checks.
      startApi({ ...JOB_ENV, JOB_STREAM_HEARTBEAT_MS: '300', JOB_STREAM_MAX_PER_USER: '250' }),
      startWorker({ ...JOB_ENV, WORKER_CONCURRENCY: '10' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
  });

  it('streams increasing progress, at most about 4 progress events a second, then succeeded, and the server ends the stream', async () => {
    const id = await alice().submit('porter-test.steps', { steps: 20, stepMs: 150 });
    const stream = await open(id);
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    expect(await stream.ended).toBe(true);

    const { messages } = stream;
    expect(messages[0]).toMatchObject({ event: 'status' });
    expect(messages.every((m) => typeof m.id === 'string' && m.id.length > 0)).toBe(true);
    expect(messages.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
    const progress = messages.filter((m) => m.event === 'progress');
    const processed = progress.map((m) => m.data.processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(new Set(processed.filter((p) => p > 0 && p < 20)).size).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)?.data).toEqual({ processed: 20, total: 20, percent: 100 });
    const seconds = (messages.at(-1)!.at - messages[0].at) / 1000;
    expect(progress.length).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 2);
    expect(messages.filter((m) => m.event === 'status').map((m) => m.data.status)).not.toContain('failed');
    // The heartbeat (300 ms here) went through while the job ran.
    expect(stream.comments).toContain('keep-alive');
  });

  it('resumes from Last-Event-ID without repeating what the client had, and answers 204 once it has the final state', async () => {
    const id = await alice().submit('porter-test.steps', { steps: 30, stepMs: 100 });
    const first = await open(id);
    await first.waitFor((m) => m.event === 'progress' && m.data.processed > 0);
    const had = first.messages.at(-1)!;
    const hadProcessed = first.messages.filter((m) => m.event === 'progress').at(-1)!.data.processed as number;
    first.abort();
    expect(await first.ended).toBe(false);
    await waitForJob(alice(), id, (j) => j.progress.processed > hadProcessed, 'the job to make more progress');

    const resumed = await open(id, had.id!);
    expect(resumed.status).toBe(200);
    expect(await resumed.ended).toBe(true);
    // It begins with the current state minus what the client had: no running status again, newer progress.
    expect(resumed.messages[0].event).toBe('progress');
    expect(resumed.messages[0].data.processed).toBeGreaterThan(hadProcessed);
    expect(resumed.messages.map((m) => m.id)).not.toContain(had.id);
    expect(resumed.messages.filter((m) => m.event === 'status').map((m) => m.data.status)).toEqual(['succeeded']);

    const again = await open(id, resumed.messages.at(-1)!.id!);
    expect(again.status).toBe(204);
    // An id that is not one of ours starts afresh: the whole current state, then the end.
    const fresh = await open(id, 'not-an-id');
    expect(await fresh.ended).toBe(true);
    expect(fresh.messages.map((m) => [m.event, m.data])).toEqual([
      ['progress', { processed: 30, total: 30, percent: 100 }],
      ['status', { status: 'succeeded' }],
    ]);
  });

  it("answers 404 problem+json for another tenant's job, and another user's (non-admin), before any stream starts", async () => {
    const id = await alice().submit('porter-test.noop', {}, { scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
    for (const who of [bearer('alice', `t-${randomUUID()}`), bearer('bob', tenant)]) {
      const refused = await open(id, undefined, who);
      expect(refused.status).toBe(404);
      expect(refused.contentType).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(refused.body!)).toMatchObject({ status: 404 });
    }
    const admin = await open(id, undefined, bearer('carol', tenant, { admin: true }));
    expect(admin.status).toBe(200);
    await admin.waitFor((m) => m.event === 'status' && m.data.status === 'scheduled');
    admin.abort();
    expect((await open(id, undefined, 'Bearer nonsense')).status).toBe(401);
  });

  it('is described in the OpenAPI document as text/event-stream with its Last-Event-ID header', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/api/docs-json`)).json()) as any;
    const operation = doc.paths['/api/v1/jobs/{id}/stream'].get;
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/event-stream']);
    expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['id', 'Last-Event-ID']));
    expect(operation.responses['404']).toBeDefined();
  });

  it("ends a cancelled job's stream with cancelled", async () => {
    const id = await alice().submit('porter-test.steps', { steps: 100, stepMs: 100 });
    const stream = await open(id);
    await stream.waitFor((m) => m.event === 'progress' && m.data.processed > 0);
    expect((await alice().call('POST', `/api/v1/jobs/${id}/cancel`)).status).toBe(200);
    expect(await stream.ended).toBe(true);
    expect(stream.messages.at(-1)).toMatchObject({ event: 'status', data: { status: 'cancelled' } });
  });

  /** Mean run time (startedAt → completedAt) of the jobs, once all succeeded. */
  async function meanRunMs(ids: string[]): Promise<number> {
    const jobs = await Promise.all(ids.map((id) => waitForJob(alice(), id, (j) => j.status === 'succeeded', 'the job to succeed', 60_000)));
    const runs = await Promise.all(jobs.map(async (j) => (await alice().call('GET', `/api/v1/jobs/${j.id}`)).json));
    return runs.reduce((sum, j) => sum + (Date.parse(j.completedAt) - Date.parse(j.startedAt)), 0) / runs.length;
  }
  const job = () => alice().submit('porter-test.steps', { steps: 10, stepMs: 200 });

  it('serves 200 concurrent streams from one API process: all end, its memory growth stays bounded, the jobs run no slower, and nothing is left followed', async () => {
    const pid = api.process.child.pid!;
    const before = residentBytes(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, residentBytes(pid));
    }, 50);
    try {
      // 20 jobs watched by 10 streams each, and beside them, submitted in turn with them, 20 the
      // same nobody watches: the run time to compare with, measured at the same moments, so a
      // machine busy with something else slows both alike.
      const jobs: string[] = [];
      const unwatched: string[] = [];
      const opening: Array<Promise<OpenedStream>> = [];
      for (let i = 0; i < 20; i++) {
        jobs.push(await job());
        opening.push(...Array.from({ length: 10 }, () => open(jobs[i])));
        unwatched.push(await job());
      }
      const streams: OpenedStream[] = await Promise.all(opening);
      expect(streams.map((s) => s.status)).toEqual(Array(200).fill(200));
      const ended = await Promise.all(streams.map((s) => s.ended));
      expect(ended).toEqual(Array(200).fill(true));
      for (const s of streams) expect(s.messages.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
      // Watching adds nothing to the job's own writes (ADR 042): 10 streams each do not slow it.
      const [watchedMs, unwatchedMs] = [await meanRunMs(jobs), await meanRunMs(unwatched)];
      process.stdout.write(`mean run of a 2 s job: ${unwatchedMs.toFixed(0)} ms unwatched, ${watchedMs.toFixed(0)} ms with 10 streams each\n`);
      expect(watchedMs).toBeLessThan(unwatchedMs * 1.2 + 100);

      // 200 clients that go away while nothing happens: everything they held is released.
      const idle = await alice().submit('porter-test.noop', {}, { scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
      const waiting = await Promise.all(Array.from({ length: 200 }, () => open(idle)));
      await Promise.all(waiting.map((s) => s.waitFor((m) => m.event === 'status')));
      expect(await metric('porter_job_streams')).toBe(200);
      expect(await metric('porter_job_stream_followed_jobs')).toBe(1);
      for (const s of waiting) s.abort();
      await waitFor(async () => (await metric('porter_job_streams')) === 0, { timeoutMs: 10_000, what: 'every stream released' });
      expect(await metric('porter_job_stream_followed_jobs')).toBe(0);
    } finally {
      clearInterval(sampler);
    }
    const growth = peak - before;
    process.stdout.write(`api RSS: ${(before / 1048576).toFixed(1)} MiB before, ${(peak / 1048576).toFixed(1)} MiB peak (+${(growth / 1048576).toFixed(1)} MiB) for 200 streams\n`);
    expect(growth).toBeLessThan(RSS_GROWTH_BOUND_BYTES);
  });

  it('refuses a stream past the per-user and per-process limits with 429 problem+json and Retry-After, and takes it once one closes', async () => {
    const limited = await startApi({ ...JOB_ENV, JOB_STREAM_MAX_PER_USER: '2', JOB_STREAM_MAX: '3' });
    try {
      const id = await alice().submit('porter-test.noop', {}, { scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
      const openOn = (who: string) => openJobStream(limited.baseUrl, who, id);
      const aliceToken = bearer('alice', tenant);
      const [a1, a2] = [await openOn(aliceToken), await openOn(aliceToken)];
      expect([a1.status, a2.status]).toEqual([200, 200]);
      const refused = await fetch(`${limited.baseUrl}/api/v1/jobs/${id}/stream`, { headers: { authorization: aliceToken } });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(((await refused.json()) as { detail: string }).detail).toContain('JOB_STREAM_MAX_PER_USER');
      // Another user of the tenant (an admin, who may watch alice's job) takes the process's third.
      const admin = bearer('root', tenant, { admin: true });
      const b1 = await openOn(admin);
      expect(b1.status).toBe(200);
      const full = await fetch(`${limited.baseUrl}/api/v1/jobs/${id}/stream`, { headers: { authorization: bearer('root2', tenant, { admin: true }) } });
      expect([full.status, ((await full.json()) as { detail: string }).detail]).toEqual([429, expect.stringContaining('JOB_STREAM_MAX')]);
      // A stream given back is a stream to take.
      a1.abort();
      await waitFor(async () => (await openOn(aliceToken).then((s) => (s.status === 200 ? (s.abort(), true) : false))), { timeoutMs: 10_000, what: 'the freed stream' });
      for (const s of [a2, b1]) s.abort();
    } finally {
      await limited.process.stop();
    }
  });

  it('ends open streams on SIGTERM so the API exits 0 within its grace period', async () => {
    const id = await alice().submit('porter-test.noop', {}, { scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
    const streams = await Promise.all(Array.from({ length: 5 }, () => open(id)));
    await Promise.all(streams.map((s) => s.waitFor((m) => m.event === 'status')));
    const started = Date.now();
    const code = await api.process.stop('SIGTERM', 20_000);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(Number(JOB_ENV.SHUTDOWN_GRACE_MS));
    expect(await Promise.all(streams.map((s) => s.ended))).toEqual(Array(5).fill(true));
  });
});

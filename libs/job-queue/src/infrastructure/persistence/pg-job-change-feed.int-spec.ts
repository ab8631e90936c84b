import { TestingModule } from '@nestjs/testing';
import { QueryBus } from '@nestjs/cqrs';
import { Pool } from 'pg';
import { PG_POOL } from '@porter/platform';
import { NotFoundError } from '@porter/shared-kernel';
import { WatchJobQuery } from '../../public/queries/watch-job.query';
import type { JobStream, JobStreamEndReason, JobStreamEvent } from '../../public/entities/job-stream';
import { TEST_JOB_TYPES } from '../../test-support/test-job-handlers';
import { PgJobChangeFeed } from './pg-job-change-feed';
import { deleteJobs, jobQueueContext, submit, users, waitFor } from '../../test-support/job-queue-test-context';

const FEED_SQL = 'FROM job_queue.job WHERE id = ANY';

function follow(stream: JobStream) {
  const events: JobStreamEvent[] = [...stream.initial];
  const ends: JobStreamEndReason[] = [];
  const stop = stream.follow((e) => events.push(e), (reason) => ends.push(reason));
  return { events, ends, stop };
}

/**
 * The API side (no worker) and a worker in two Nest contexts, as in two processes: the API's
 * streams hear the worker's writes through the one poller of their context (ADR 042).
 */
describe('job change feed: one poller per process for every stream (Postgres)', () => {
  let api: TestingModule;
  let worker: TestingModule;
  const later = () => new Date(Date.now() + 3600_000);

  beforeAll(async () => {
    [api, worker] = await Promise.all([
      jobQueueContext({ worker: false, config: { jobStreamPollIntervalMs: 50 } }),
      jobQueueContext({ worker: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([api?.close(), worker?.close()]);
  });

  it("hears another process's worker: progress, then succeeded, then the stream ends and lets go", async () => {
    const { alice } = users();
    const jobId = await submit(worker, alice, TEST_JOB_TYPES.steps, { steps: 10, stepMs: 120 });
    const s = follow(await api.get(QueryBus).execute(new WatchJobQuery(alice, jobId)));
    await waitFor(async () => s.ends.length > 0, { timeoutMs: 30_000, what: 'the stream to end' });
    expect(s.ends).toEqual(['terminal']);
    const processed = s.events.filter((e) => e.event === 'progress').map((e) => (e.data as { processed: number }).processed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(new Set(processed).size).toBeGreaterThanOrEqual(3);
    expect(s.events.at(-1)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
    expect(api.get(PgJobChangeFeed).followedJobs).toBe(0);
  });

  it('is NotFound for a job of another tenant, before following anything', async () => {
    const { alice } = users();
    const { bob } = users();
    const jobId = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: later() });
    await expect(api.get(QueryBus).execute(new WatchJobQuery(bob, jobId))).rejects.toBeInstanceOf(NotFoundError);
    expect(api.get(PgJobChangeFeed).followedJobs).toBe(0);
  });

  it('reads every followed job in one statement per interval however many streams follow them, and stops reading when they stop', async () => {
    const { alice } = users();
    const feed = api.get(PgJobChangeFeed);
    const jobs = await Promise.all(Array.from({ length: 5 }, () => submit(api, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: later() })));
    const pool = api.get<Pool>(PG_POOL);
    const spy = jest.spyOn(pool, 'query');
    const feedReads = () => spy.mock.calls.filter(([sql]) => typeof sql === 'string' && sql.includes(FEED_SQL)).length;
    try {
      const streams = await Promise.all(
        jobs.flatMap((id) => Array.from({ length: 20 }, async () => follow(await api.get(QueryBus).execute(new WatchJobQuery(alice, id))))),
      );
      expect(feed.followedJobs).toBe(5);
      const before = feedReads();
      const started = Date.now();
      // Counted, not timed: however slow the machine, a dozen reads (at most one per interval
      // gone by) while 100 streams on 5 jobs are followed, not one per stream.
      await waitFor(async () => feedReads() - before >= 12, { intervalMs: 10, what: 'a dozen reads of the followed jobs' });
      const reads = feedReads() - before;
      expect(reads).toBeGreaterThanOrEqual(12);
      expect(reads).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 50) + 1);
      const ids = spy.mock.calls.filter(([sql]) => typeof sql === 'string' && sql.includes(FEED_SQL)).at(-1)![1] as unknown as string[][];
      expect([...ids[0]].sort()).toEqual([...jobs].sort());
      // Nothing changed: nothing more than the first state was sent.
      for (const s of streams) expect(s.events.map((e) => e.event)).toEqual(['status', 'progress']);

      for (const s of streams) s.stop();
      expect(feed.followedJobs).toBe(0);
      const after = feedReads();
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(feedReads() - after).toBeLessThanOrEqual(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('ends the stream of a job whose row is purged as deleted', async () => {
    const { alice } = users();
    const jobId = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: later() });
    const s = follow(await api.get(QueryBus).execute(new WatchJobQuery(alice, jobId)));
    await deleteJobs(api.get<Pool>(PG_POOL), 'id = $1', [jobId]);
    await waitFor(async () => s.ends.length > 0, { what: 'the stream to end' });
    expect(s.events.at(-1)).toMatchObject({ event: 'status', data: { status: 'deleted' } });
  });

  it('ends every open stream with "shutdown" when its process shuts down', async () => {
    const other = await jobQueueContext({ worker: false, config: { jobStreamPollIntervalMs: 50 } });
    const { alice } = users();
    const jobId = await submit(other, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: later() });
    const streams = await Promise.all(Array.from({ length: 3 }, async () => follow(await other.get(QueryBus).execute(new WatchJobQuery(alice, jobId)))));
    await other.close();
    expect(streams.map((s) => s.ends)).toEqual([['shutdown'], ['shutdown'], ['shutdown']]);
  });
});

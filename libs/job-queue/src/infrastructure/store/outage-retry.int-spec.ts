import { TestingModule } from '@nestjs/testing';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { JobStatus } from '../../public/enums/job-status';
import { MoveJobToTopCommand } from '../../public/actions/move-job-to-top.command';
import { GetJobEventsQuery } from '../../public/queries/get-job-events.query';
import { TEST_JOB_TYPES } from '../../test-support/test-job-handlers';
import { apiContextWithPool, getJob, submit, users } from '../../test-support/job-queue-test-context';
import { JobRunStore } from './job-run.store';
import type { OutageFailure } from './run-store.types';

const MESSAGE = 'storage unreachable: connect ECONNREFUSED 127.0.0.1:3975';

describe('outage retries in the run store (ADR 091)', () => {
  let api: TestingModule;
  let pool: Pool;
  beforeAll(async () => ({ api, pool } = await apiContextWithPool()));
  afterAll(async () => api?.close());

  it('gives the attempt back while the outage lasts (backoff doubling), counts it past the window, and still ends failed', async () => {
    const { alice, admin } = users();
    const store = api.get(JobRunStore);
    const jobId = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: 1000 });
    const claimAgain = async () => {
      // (the backoff is not what this test waits for)
      await pool.query(`UPDATE job_queue.job SET run_after = NULL WHERE id = $1`, [jobId]);
      await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, jobId));
      const run = await store.claim(randomUUID(), 'worker-outage', 60_000, { [TEST_JOB_TYPES.noop]: 2 });
      expect(run?.id).toBe(jobId);
      return run!;
    };
    const outage: OutageFailure = { dependency: 'storage', message: MESSAGE, windowMs: 60_000, backoffMs: 10 };
    const events = async () => api.get(QueryBus).execute(new GetJobEventsQuery(alice, jobId));

    for (let i = 0; i < 3; i++) {
      const run = await claimAgain();
      expect(run.attempts).toBe(1);
      const result = await store.finish(jobId, run.runToken, { kind: 'retry', delayMs: 10, errorDetails: MESSAGE, outage });
      const delayMs = 10 * 2 ** i;
      expect(result).toMatchObject({ status: JobStatus.Pending, attempts: 0, retry: { delayMs, counted: false } });
      expect(result?.errorDetails).toBe(`${MESSAGE} (attempt not counted: waiting for storage, retrying in ${delayMs} ms)`);
    }
    const uncounted = (await events()).filter((e) => e.type === 'retrying').map((e) => e.data);
    expect(uncounted.map((d) => [d.attempt, d.counted, d.outageRetries, d.delayMs])).toEqual([
      [1, false, 1, 10],
      [1, false, 2, 20],
      [1, false, 3, 40],
    ]);
    expect(new Set(uncounted.map((d) => d.outageSince)).size).toBe(1);
    expect(await getJob(api, alice, jobId)).toMatchObject({ status: JobStatus.Pending, attempts: 0 });

    // The outage began longer ago than the window: the attempts count again.
    await pool.query(
      `UPDATE job_queue.job_event SET data = jsonb_set(data, '{outageSince}', to_jsonb($2::text))
        WHERE job_id = $1 AND type = 'retrying'`,
      [jobId, new Date(Date.now() - 120_000).toISOString()],
    );
    const counted = await claimAgain();
    expect(counted.attempts).toBe(1);
    expect(await store.finish(jobId, counted.runToken, { kind: 'retry', delayMs: 10, errorDetails: MESSAGE, outage })).toMatchObject({
      status: JobStatus.Pending,
      attempts: 1,
      retry: { delayMs: 10, counted: true },
    });
    expect((await events()).filter((e) => e.type === 'retrying').at(-1)?.data).toMatchObject({ attempt: 1, counted: true, error: MESSAGE, outageRetries: 3 });

    const last = await claimAgain();
    expect(last.attempts).toBe(2);
    const reason = `${MESSAGE} (attempt 2 of 2; no attempts left)`;
    expect(await store.finish(jobId, last.runToken, { kind: 'failed', errorDetails: reason, outputInformation: null, outage })).toMatchObject({
      status: JobStatus.Failed,
      attempts: 2,
      errorDetails: reason,
    });
    expect(await getJob(api, alice, jobId)).toMatchObject({ status: JobStatus.Failed, attempts: 2, errorDetails: reason });
  });
});

import { TestingModule } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'crypto';
import { Pool, PoolClient } from 'pg';
import { PG_POOL, planScans, PORTER_CONFIG, PorterConfig, TransactionRunner } from '@porter/platform';
import { JobStatus } from '../public/enums/job-status';
import { SubmitJobCommand } from '../public/actions/submit-job.command';
import { MoveJobToTopCommand } from '../public/actions/move-job-to-top.command';
import { CancelJobCommand } from '../public/actions/cancel-job.command';
import { GetJobEventsQuery } from '../public/queries/get-job-events.query';
import { JobSucceeded } from '../public/events/job-events';
import { NoopTestJobHandler, TEST_JOB_TYPES } from '../test-support/test-job-handlers';
import type { JobContext, JobHandler } from '../public/dependencies/job-handler.dependency';
import { JobRunStore } from './store/job-run.store';
import { PLAIN_ROUND_SQL, PLAIN_ROUND_STATEMENT, ROUND_SQL, ROUND_STATEMENT } from './store/round.sql';
import { CHECKPOINT_SQL, HEARTBEAT_SQL, OWNER_SQL, PROGRESS_LEASE_SQL, PROGRESS_SQL, SUCCEED_SQL } from './store/run.sql';
import { OutboxRelay } from './outbox/outbox-relay.service';
import { guardedJobUpdateSql } from './persistence/job.repository';
import { JobRunner } from './runner/job-runner.service';
import { JobReconciler } from './maintenance/job-reconciler.service';
import { JOB_FILE_CLEANER, JobFileCleaner } from '../application/ports/job.repository.port';
import { JOBS_QUEUE } from './job-queue.constants';
import { deleteJobs, getJob, jobQueueContext, submit, users, waitFor, waitForStatus } from '../test-support/job-queue-test-context';
import type { Principal } from '@porter/shared-kernel';

/**
 * The batched paths of ADR 017/018: submits written many per statement, a worker round that
 * ends the previous successes and claims the next jobs in one statement, merged wake-ups.
 */
describe('job queue batching without a worker: batched submits, multi-claims, rounds', () => {
  let api: TestingModule;
  let pool: Pool;
  let store: JobRunStore;

  beforeAll(async () => {
    api = await jobQueueContext({ worker: false });
    pool = api.get(PG_POOL);
    store = api.get(JobRunStore);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** `n` jobs of `tenant` in `status`, written directly (the plan tests need a table of a given shape). */
  const insertPlanJobs = (tenant: string, status: string, n: number) =>
    pool.query(
      `INSERT INTO job_queue.job (id, tenant, type, status, payload, principal, submitted_by, max_attempts, queue_seq)
       SELECT gen_random_uuid(), $1, 'porter-test.noop', $2, '{}', '{}', 'u', 3,
              CASE WHEN $2 = 'pending' THEN job_queue.fair_seq(job_queue.head_round() + 1000) END
       FROM generate_series(1, $3::int)`,
      [tenant, status, n],
    );

  it('writes concurrent submits together: every job with its submitted event and outbox row, one job per idempotency key', async () => {
    const { alice } = users();
    const bus = api.get(CommandBus);
    const results = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, { i }, { scheduledFor: new Date(Date.now() + 3600_000) }))),
      bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { idempotencyKey: 'same', scheduledFor: new Date(Date.now() + 3600_000) })),
      bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { idempotencyKey: 'same', scheduledFor: new Date(Date.now() + 3600_000) })),
    ]);
    const ids = results.slice(0, 30).map((r) => r.jobId);
    expect(new Set(ids).size).toBe(30);
    expect(results.slice(0, 30).every((r) => r.created)).toBe(true);
    const [k1, k2] = results.slice(30);
    expect(k1.jobId).toBe(k2.jobId);
    expect([k1.created, k2.created].sort()).toEqual([false, true]);

    const { rows } = await pool.query(
      `SELECT j.id, j.status, j.payload,
              (SELECT array_agg(type) FROM job_queue.job_event e WHERE e.job_id = j.id) AS events
       FROM job_queue.job j WHERE j.id = ANY($1::uuid[])`,
      [[...ids, k1.jobId]],
    );
    expect(rows).toHaveLength(31);
    for (const row of rows) {
      expect(row.status).toBe('scheduled');
      expect(row.events).toEqual(['submitted']);
    }
    expect(rows.filter((r) => ids.includes(r.id)).map((r) => r.payload.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // each job's wake-up was written with it; a delayed one keeps its own message once relayed
    await api.get(OutboxRelay).flush();
    const queue = api.get<Queue>(getQueueToken(JOBS_QUEUE));
    const relayed = await Promise.all(ids.map((id) => queue.getJob(`${id}.1`)));
    expect(relayed.filter((m) => m && m.opts.delay && m.opts.delay > 3000_000)).toHaveLength(30);
  });

  it('writes no outbox row for a direct submit\'s runnable jobs: their wake-ups go to the relay from memory (ADR 099); a scheduled job keeps its row, drained with its delay', async () => {
    const { alice } = users();
    const bus = api.get(CommandBus);
    const queue = api.get<Queue>(getQueueToken(JOBS_QUEUE));
    const relay = api.get(OutboxRelay);
    await relay.flush();
    const outboxRows = async (ids: string[]) =>
      (await pool.query(`SELECT job_id FROM job_queue.outbox WHERE job_id = ANY($1::uuid[])`, [ids])).rows.map((r: { job_id: string }) => r.job_id);

    // Held back from the relay for a moment, to see what the batch wrote and handed over.
    const handed: unknown[][] = [];
    const kick = jest.spyOn(relay, 'kick').mockImplementation((...args: unknown[]) => void handed.push(args));
    let ids: string[];
    try {
      const results = await Promise.all([
        ...Array.from({ length: 5 }, () => bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}))),
        bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: new Date(Date.now() + 3600_000) })),
      ]);
      ids = results.map((r) => r.jobId);
    } finally {
      kick.mockRestore();
    }
    expect(await outboxRows(ids)).toEqual([ids[5]]);
    const wakeups = handed.flatMap(([rows]) => (rows as Array<{ id: string | null; jobId: string }> | undefined) ?? []);
    expect(wakeups.map((w) => w.jobId).sort()).toEqual(ids.slice(0, 5).sort());
    expect(wakeups.every((w) => w.id === null)).toBe(true);
    expect(handed.some(([rows]) => rows === undefined || (rows as unknown[]).length === 0)).toBe(true); // and a drain, for the scheduled row

    for (const args of handed) relay.kick(...(args as Parameters<OutboxRelay['kick']>));
    await relay.flush();
    expect(await outboxRows(ids)).toEqual([]);
    // one merged message names the first of up to 16 runnable jobs; the scheduled one keeps its delay
    const first = await queue.getJob(`${wakeups[0].jobId}.1`);
    expect(first?.opts.delay ?? 0).toBe(0);
    expect(first?.data).toEqual({ jobId: wakeups[0].jobId });
    expect((await queue.getJob(`${ids[5]}.1`))?.opts.delay).toBeGreaterThan(3000_000);
  });

  it('a process that dies between a direct submit\'s commit and its wake-up leaves a pending job with no message, which the reconciler wakes (ADR 099)', async () => {
    const { alice } = users();
    const queue = api.get<Queue>(getQueueToken(JOBS_QUEUE));
    const relay = api.get(OutboxRelay);
    await relay.flush();
    const kick = jest.spyOn(relay, 'kick').mockImplementation(() => undefined); // the process "dies" after the commit
    let jobId: string;
    try {
      jobId = (await api.get(CommandBus).execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}))).jobId;
    } finally {
      kick.mockRestore();
    }
    expect((await pool.query(`SELECT count(*)::int AS n FROM job_queue.outbox WHERE job_id = $1`, [jobId])).rows[0].n).toBe(0);
    expect(await queue.getJob(`${jobId}.1`)).toBeUndefined();
    await queue.drain(); // whatever earlier tests left waiting: the reconciler compares what waits with what is ready

    const reconciler = new JobReconciler(api.get(JobRunStore), queue, api.get(EventBus), api.get<JobFileCleaner>(JOB_FILE_CLEANER), api.get<PorterConfig>(PORTER_CONFIG));
    const ready = await api.get(JobRunStore).readyPendingCount();
    expect(ready).toBeGreaterThanOrEqual(1);
    expect((await reconciler.reconcile()).wakeups).toBe(ready);
    await relay.flush();
    expect(await queue.getWaitingCount()).toBeGreaterThanOrEqual(ready);
    expect(await getJob(api, alice, jobId)).toMatchObject({ status: JobStatus.Pending });
    // and a worker runs it
    const worker = await jobQueueContext({ worker: true });
    try {
      await waitForStatus(worker, alice, jobId, JobStatus.Succeeded);
    } finally {
      await worker.close();
    }
  });

  it('fails only the submit Postgres refuses when it was written together with others', async () => {
    const { alice } = users();
    const bus = api.get(CommandBus);
    const later = { scheduledFor: new Date(Date.now() + 3600_000) };
    const settled = await Promise.allSettled([
      bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, { ok: 1 }, later)),
      bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, { ok: 2 }, later)),
      bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, { bad: 'nul \u0000 byte' }, later)), // jsonb cannot hold \u0000
      bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, { ok: 3 }, later)),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    for (const s of settled) {
      if (s.status === 'fulfilled') expect((await getJob(api, alice, s.value.jobId)).status).toBe(JobStatus.Scheduled);
    }
  });

  it('claims several jobs in one statement in exactly the position order, each with its own run token, fenced like single claims', async () => {
    const { alice, admin } = users();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: 1000 }));
    // move-to-top, latest move first: the head of the queue becomes ids[2], ids[1], ids[0]
    for (const id of ids) await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, id));
    expect((await getJob(api, alice, ids[2])).position).toBe(1);
    expect((await getJob(api, alice, ids[0])).position).toBe(3);

    const tokens = [randomUUID(), randomUUID(), randomUUID()];
    const claimed = await store.claimMany(tokens, 'worker-batch', 60_000, { [TEST_JOB_TYPES.noop]: 2 });
    expect(claimed.map((c) => c.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(claimed.map((c) => c.runToken)).toEqual(tokens);
    expect(claimed.every((c) => c.attempts === 1 && c.maxAttempts === 2 && c.firstRun)).toBe(true);

    const { rows } = await pool.query(
      `SELECT id, status, run_token, worker_id, started_at, queue_seq, moved_to_top_at FROM job_queue.job WHERE id = ANY($1::uuid[]) ORDER BY started_at`,
      [ids],
    );
    // started_at keeps the take order (microseconds apart within one claim)
    expect(rows.map((r) => r.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(rows.every((r) => r.status === 'running' && r.worker_id === 'worker-batch' && r.queue_seq === null && r.moved_to_top_at === null)).toBe(true);
    for (const id of ids) {
      const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, id));
      expect(events.map((e) => e.type)).toEqual(['submitted', 'moved_to_top', 'started']);
      expect(events[2].data).toMatchObject({ attempt: 1, maxAttempts: 2, worker: 'worker-batch' });
    }

    // fencing: ids[1]'s run stalls and is recovered; its token no longer writes anything
    await pool.query(`UPDATE job_queue.job SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = $1`, [ids[1]]);
    expect((await store.recoverStalled()).find((r) => r.id === ids[1])).toMatchObject({ outcome: JobStatus.Pending });
    expect(await store.heartbeat(ids[1], tokens[1], 60_000)).toBeNull();
    const late = await store.round([{ jobId: ids[1], runToken: tokens[1], outputInformation: { late: true } }], [], 'worker-batch', 60_000, {});
    expect(late.succeeded.size).toBe(0);
    expect((await getJob(api, alice, ids[1])).status).toBe(JobStatus.Pending);

    // the others end normally, in one round, each with exactly one succeeded event
    const ended = await store.round(
      [
        { jobId: ids[2], runToken: tokens[0], outputInformation: { n: 2 } },
        { jobId: ids[0], runToken: tokens[2], outputInformation: null },
      ],
      [],
      'worker-batch',
      60_000,
      {},
    );
    expect([...ended.succeeded.keys()].sort()).toEqual([ids[0], ids[2]].sort());
    expect(ended.succeeded.get(ids[2])).toMatchObject({ status: JobStatus.Succeeded, attempts: 1, outputInformation: { n: 2 } });
    expect(await getJob(api, alice, ids[2])).toMatchObject({ status: JobStatus.Succeeded, outputInformation: { n: 2 } });
    const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, ids[0]));
    expect(events.map((e) => e.type)).toEqual(['submitted', 'moved_to_top', 'started', 'succeeded']);
  });

  it('claims ahead only in claim order and only while every job so far is of a short type; it tells how many ready jobs it saw', async () => {
    const { alice, admin } = users();
    const types = [TEST_JOB_TYPES.noop, TEST_JOB_TYPES.noop, TEST_JOB_TYPES.steps, TEST_JOB_TYPES.noop];
    const ids: string[] = [];
    for (const type of types) ids.push(await submit(api, alice, type, { steps: 1, stepMs: 1 }, { priority: 1000 }));
    // latest move first: the head of the queue becomes ids[0], ids[1], ids[2] (steps), ids[3]
    for (const id of [...ids].reverse()) await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, id));
    const short = { shortTypes: [TEST_JOB_TYPES.noop] };

    // one sure slot, three ahead: the two noops are taken, the steps job stops the claim-ahead (and the noop behind it waits)
    const first = await store.round([], [randomUUID(), randomUUID(), randomUUID(), randomUUID()], 'worker-ahead', 60_000, {}, { sure: 1, ...short });
    expect(first.claimed.map((c) => c.id)).toEqual([ids[0], ids[1]]);
    expect(first.seen).toBe(4);
    expect((await getJob(api, alice, ids[2])).position).toBe(1);
    expect((await getJob(api, alice, ids[3])).status).toBe(JobStatus.Pending);

    // a sure slot takes the head whatever its type; nothing after a job of another type is claimed ahead
    const second = await store.round([], [randomUUID(), randomUUID()], 'worker-ahead', 60_000, {}, { sure: 1, ...short });
    expect(second.claimed.map((c) => c.id)).toEqual([ids[2]]);
    expect(second.seen).toBe(2);
    expect((await getJob(api, alice, ids[3])).position).toBe(1);

    // tidy up: the last one, then every run ends
    const last = await store.claimMany([randomUUID()], 'worker-ahead', 60_000, {});
    expect(last.map((c) => c.id)).toEqual([ids[3]]);
    const ended = await store.round(
      [...first.claimed, ...second.claimed, ...last].map((c) => ({ jobId: c.id, runToken: c.runToken, outputInformation: null })),
      [],
      'worker-ahead',
      60_000,
      {},
    );
    expect(ended.succeeded.size).toBe(4);
  });

  it('claims ahead only jobs that stall recovery would run again if the worker died first (stalls < JOB_MAX_STALLS), one-attempt jobs included', async () => {
    const { alice, admin } = users();
    const maxStalls = api.get<PorterConfig>(PORTER_CONFIG).jobMaxStalls;
    expect(maxStalls).toBeGreaterThan(0);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: 1000 }));
    for (const id of [...ids].reverse()) await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, id));
    // ids[2] has stalled as often as allowed: one more stall (a crash while it waited for a slot) would fail it without a run
    await pool.query(`UPDATE job_queue.job SET stalls = $2 WHERE id = $1`, [ids[2], maxStalls]);
    await pool.query(`UPDATE job_queue.job SET stalls = $2 WHERE id = $1`, [ids[1], maxStalls - 1]);
    const short = { sure: 1, shortTypes: [TEST_JOB_TYPES.noop] };

    // One attempt each: a crash costs a job claimed ahead a stall, never an attempt (ADR 041), so they may wait for a slot;
    // the claim-ahead stops, in order, at the job with no stall to spare.
    const first = await store.round([], [randomUUID(), randomUUID(), randomUUID(), randomUUID()], 'worker-ahead', 60_000, { [TEST_JOB_TYPES.noop]: 1 }, short);
    expect(first.claimed.map((c) => c.id)).toEqual([ids[0], ids[1]]);
    expect((await getJob(api, alice, ids[2])).position).toBe(1);
    // a sure slot takes it (it runs at once, as any claim)
    const second = await store.round([], [randomUUID(), randomUUID()], 'worker-ahead', 60_000, { [TEST_JOB_TYPES.noop]: 1 }, short);
    expect(second.claimed.map((c) => c.id)).toEqual([ids[2], ids[3]]);

    const ended = await store.round(
      [...first.claimed, ...second.claimed].map((c) => ({ jobId: c.id, runToken: c.runToken, outputInformation: null })),
      [],
      'worker-ahead',
      60_000,
      {},
    );
    expect(ended.succeeded.size).toBe(4);
  });

  it('a job claimed ahead whose worker dies before running it runs again with its attempt given back (a stall, not an attempt), like a started run', async () => {
    const { alice, admin } = users();
    const maxStalls = api.get<PorterConfig>(PORTER_CONFIG).jobMaxStalls;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: 1000 }));
    for (const id of [...ids].reverse()) await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, id));
    const round = await store.round([], [randomUUID(), randomUUID()], 'worker-gone', 60_000, { [TEST_JOB_TYPES.noop]: 1 }, { sure: 1, shortTypes: [TEST_JOB_TYPES.noop] });
    expect(round.claimed.map((c) => c.id)).toEqual(ids);
    // the worker dies before running the one claimed ahead: its lease runs out
    await pool.query(`UPDATE job_queue.job SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = ANY($1::uuid[])`, [ids]);
    const recovered = await store.recoverStalled(100, maxStalls);
    expect(recovered.filter((r) => ids.includes(r.id)).map((r) => r.outcome)).toEqual([JobStatus.Pending, JobStatus.Pending]);
    const again = await getJob(api, alice, ids[1]);
    expect(again).toMatchObject({ status: JobStatus.Pending, attempts: 0, maxAttempts: 1, stalls: 1 });
    // run them for good (an older test's job, recovered by the same sweep, may be claimed with them)
    const claimed = await store.claimMany([randomUUID(), randomUUID(), randomUUID()], 'worker-ahead', 60_000, { [TEST_JOB_TYPES.noop]: 1 });
    const ours = claimed.filter((c) => ids.includes(c.id));
    expect(ours.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(ours.every((c) => c.attempts === 1 && !c.firstRun)).toBe(true);
    const ended = await store.round(claimed.map((c) => ({ jobId: c.id, runToken: c.runToken, outputInformation: null })), [], 'worker-ahead', 60_000, {});
    expect(ended.succeeded.size).toBe(claimed.length);
  });

  it('a claim-ahead locks only the jobs it claims: a long job behind them stays free for another worker while the round is open', async () => {
    const { alice, admin } = users();
    const types = [TEST_JOB_TYPES.noop, TEST_JOB_TYPES.steps, TEST_JOB_TYPES.noop];
    const ids: string[] = [];
    for (const type of types) ids.push(await submit(api, alice, type, { steps: 1, stepMs: 1 }, { priority: 1000 }));
    for (const id of [...ids].reverse()) await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, id));
    // The round runs in a transaction left open, as if its commit had not come yet.
    const client = await pool.connect();
    const held = jest
      .spyOn(store as unknown as { roundPool: (durable: boolean) => Pick<Pool, 'query'> }, 'roundPool')
      .mockReturnValue({ query: ((config: unknown) => client.query(config as string)) as Pool['query'] });
    try {
      await client.query('BEGIN');
      const round = await store.round([], [randomUUID(), randomUUID(), randomUUID()], 'worker-ahead', 60_000, {}, { sure: 1, shortTypes: [TEST_JOB_TYPES.noop] });
      expect(round.claimed.map((c) => c.id)).toEqual([ids[0]]);
      // another worker's claim of the head: the long job (not taken) is free, the claimed one is not
      const { rows } = await pool.query(
        `SELECT id FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'pending' FOR UPDATE SKIP LOCKED`,
        [ids],
      );
      expect(rows.map((r) => r.id).sort()).toEqual([ids[1], ids[2]].sort());
    } finally {
      await client.query('ROLLBACK');
      client.release();
      held.mockRestore();
      await pool.query(`UPDATE job_queue.job SET status = 'cancelled', queue_seq = NULL, completed_at = clock_timestamp() WHERE id = ANY($1::uuid[])`, [ids]);
    }
  });

  it('relays a delayed wake-up with the delay by the database clock, whatever the app clock says', async () => {
    const { alice } = users();
    const due = new Date(Date.now() + 3000);
    // The app clock 60 s behind the database's: the delay must not follow it.
    const now = Date.now.bind(Date);
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now() - 60_000);
    let id: string;
    try {
      id = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: due });
      await api.get(OutboxRelay).flush();
    } finally {
      clock.mockRestore();
    }
    const queue = api.get<Queue>(getQueueToken(JOBS_QUEUE));
    const message = await waitFor(async () => (await queue.getJob(`${id}.1`)) ?? false, { what: 'the wake-up message' });
    expect(message.opts.delay).toBeGreaterThan(0);
    expect(message.opts.delay).toBeLessThanOrEqual(3000);
    await api.get(CommandBus).execute(new CancelJobCommand(alice, id));
  });

  it('a round ends only the runs it still owns: a cancel that arrived, or a lost run, is left to finish; its claims land in the same commit', async () => {
    const { alice, admin } = users();
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: 1000 }));
    for (const id of ids) await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, id));
    const [cancelled, kept] = await store.claimMany([randomUUID(), randomUUID()], 'worker-round', 60_000, {});
    expect([cancelled.id, kept.id]).toEqual([ids[1], ids[0]]);
    expect((await api.get(CommandBus).execute(new CancelJobCommand(alice, cancelled.id))).status).toBe(JobStatus.Cancelling);

    // the next round: two successes (one of them being cancelled, one with a wrong token) and a claim
    const next = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: 1000 });
    await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, next));
    const round = await store.round(
      [
        { jobId: cancelled.id, runToken: cancelled.runToken, outputInformation: { done: true } },
        { jobId: kept.id, runToken: randomUUID(), outputInformation: { done: true } },
      ],
      [randomUUID()],
      'worker-round',
      60_000,
      {},
    );
    expect(round.succeeded.size).toBe(0);
    expect(round.claimed.map((c) => c.id)).toEqual([next]);
    expect((await getJob(api, alice, cancelled.id)).status).toBe(JobStatus.Cancelling);
    expect((await getJob(api, alice, kept.id)).status).toBe(JobStatus.Running);
    expect((await getJob(api, alice, next)).status).toBe(JobStatus.Running);

    // `finish` decides from the job's state: the caller's cancel wins over the handler's success
    expect((await store.finish(cancelled.id, cancelled.runToken, { kind: 'succeeded', outputInformation: { done: true } }))?.status).toBe(JobStatus.Cancelled);
    const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, cancelled.id));
    expect(events.map((e) => e.type)).toEqual(['submitted', 'moved_to_top', 'started', 'cancelling', 'cancelled']);
    // tidy up the runs this test left behind
    await store.finish(kept.id, kept.runToken, { kind: 'succeeded', outputInformation: null });
    await store.finish(next, round.claimed[0].runToken, { kind: 'succeeded', outputInformation: null });
  });

  it('claims walk the claim-order index even when the statistics were taken while no job was pending (ADR 069)', async () => {
    // A quiet job table (finished jobs only) analysed, then a backlog: the round's cached plan
    // must take the first pending jobs from job_pending_order_idx, not read every pending job
    // through another index and sort them (which made each claim cost the whole backlog).
    const tenant = `plan-${randomUUID()}`;
    const insert = (status: string, n: number) => insertPlanJobs(tenant, status, n);
    const client = await (store as unknown as { roundPool(durable: boolean): Pool }).roundPool(false).connect();
    try {
      await insert('succeeded', 2000);
      await pool.query('ANALYZE job_queue.job');
      await insert('pending', 2000);
      await client.query(`SET plan_cache_mode = force_generic_plan`);
      await client.query(`PREPARE plan_probe AS ${PLAIN_ROUND_SQL}`);
      const { rows } = await client.query(`EXPLAIN (FORMAT JSON) EXECUTE plan_probe('{}', 'w', 1000, '{}', '[]', 0, 1, 0)`);
      const nodes: Array<Record<string, unknown>> = [];
      const walk = (node: Record<string, unknown>) => {
        nodes.push(node);
        for (const child of (node.Plans as Array<Record<string, unknown>>) ?? []) walk(child);
      };
      const next = (rows[0]['QUERY PLAN'][0].Plan.Plans as Array<Record<string, unknown>>).find((p) => p['Subplan Name'] === 'CTE next');
      expect(next).toBeDefined();
      walk(next as Record<string, unknown>);
      expect(nodes.map((n) => n['Index Name']).filter(Boolean)).toEqual(['job_pending_order_idx']);
      expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
    } finally {
      await client.query(`DEALLOCATE ALL; RESET plan_cache_mode`).catch(() => undefined);
      client.release();
      await deleteJobs(pool, 'tenant = $1', [tenant]);
    }
  });

  it('rounds run on their cached generic plan: planned once per connection, not at every round (ADR 106)', async () => {
    // Left to choose, Postgres kept planning the round afresh (a custom plan each time, ~1.1 ms of
    // a one-job round's 1.6 ms): the round pools force the generic plan, the one the plan tests
    // above and below check.
    // Under names of this test's own (short: Postgres cuts names at 63 bytes). The plan tests
    // DEALLOCATE ALL on these pools' connections, which pg's client does not see: it would not
    // prepare the statements' usual names again.
    const plainName = `${PLAIN_ROUND_STATEMENT}.${randomUUID().slice(0, 8)}`;
    const aheadName = `${ROUND_STATEMENT}.${randomUUID().slice(0, 8)}`;
    for (const durable of [false, true]) {
      const client = await (store as unknown as { roundPool(durable: boolean): Pool }).roundPool(durable).connect();
      try {
        for (let i = 0; i < 8; i++) {
          await client.query({ name: plainName, text: PLAIN_ROUND_SQL, values: [[], 'w', 1000, '{}', '[]', 0, 0, 0] });
          await client.query({ name: aheadName, text: ROUND_SQL, values: [[], 'w', 1000, '{}', '[]', 0, 0, [], 0, 0] });
        }
        const { rows } = await client.query<{ name: string; generic: number; custom: number }>(
          `SELECT name, generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE name = ANY($1)`,
          [[plainName, aheadName]],
        );
        expect(rows.map((r) => r.name).sort()).toEqual([plainName, aheadName].sort());
        for (const row of rows) expect({ durable, ...row, generic: Number(row.generic) >= 8 }).toEqual({ durable, name: row.name, generic: true, custom: 0 });
      } finally {
        client.release();
      }
    }
  });

  it('a round reads the limited tenants with work, never every pending job nor every tenant (ADR 085)', async () => {
    // The same quiet-then-backlog statistics. The tenant-limit step once became a semi-join that
    // read every pending job, each round, and scanned every tenant row ever written, whether or
    // not any tenant had a limit.
    const tenant = `limits-plan-${randomUUID()}`;
    const idle = `limits-idle-${randomUUID()}`;
    const insert = (status: string, n: number) => insertPlanJobs(tenant, status, n);
    const client = await (store as unknown as { roundPool(durable: boolean): Pool }).roundPool(false).connect();
    // [statement, its parameters up to the default limit, those after it (the claim-ahead's stall limit)]
    const variants: Array<[string, string, string]> = [
      [PLAIN_ROUND_SQL, `'{}', 'w', 1000, '{}', '[]', 0, 1`, ''],
      [ROUND_SQL, `ARRAY[gen_random_uuid(), gen_random_uuid()], 'w', 1000, '{}', '[]', 0, 1, ARRAY['porter-test.noop']`, ', 3'],
    ];
    try {
      await insert('succeeded', 2000);
      await pool.query('ANALYZE job_queue.job');
      await insert('pending', 2000);
      await pool.query(`INSERT INTO job_queue.tenant_queue (tenant) VALUES ($1) ON CONFLICT DO NOTHING`, [tenant]);
      // 5,000 tenants seen once and idle now, none with a limit of its own.
      await pool.query(`INSERT INTO job_queue.tenant_queue (tenant) SELECT $1 || '-' || g FROM generate_series(1, 5000) g`, [idle]);
      const { rows: counts } = await pool.query(
        `SELECT (SELECT count(*)::int FROM job_queue.tenant_queue WHERE max_concurrent_jobs > 0) AS limited,
                (SELECT count(DISTINCT tenant)::int FROM job_queue.job WHERE status = 'pending') AS waiting`,
      );
      const { limited, waiting } = counts[0] as { limited: number; waiting: number };
      await client.query(`SET plan_cache_mode = force_generic_plan`);
      for (const [i, [sql, parameters, after]] of variants.entries()) {
        await client.query(`PREPARE limits_probe_${i} AS ${sql}`);
        for (const defaultLimit of [0, 2]) {
          // ANALYZE runs the round (it claims); the transaction is rolled back.
          await client.query('BEGIN');
          const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE limits_probe_${i}(${parameters}, ${defaultLimit}${after})`);
          await client.query('ROLLBACK');
          const steps = (rows[0]['QUERY PLAN'][0].Plan.Plans as Array<Record<string, unknown>>).filter((p) =>
            ['CTE limits', 'CTE waiting_tenants'].includes(p['Subplan Name'] as string),
          );
          expect(steps.map((p) => p['Subplan Name']).sort()).toEqual(['CTE limits', 'CTE waiting_tenants']);
          const reads: Record<string, Array<{ rows: number; loops: number }>> = { job: [], tenant_queue: [] };
          const walk = (node: Record<string, unknown>) => {
            const relation = node['Relation Name'] as string;
            // Rows a scan read and then dropped count as read too.
            const read = (node['Actual Rows'] as number) + ((node['Rows Removed by Filter'] as number | undefined) ?? 0);
            if (relation in reads) reads[relation].push({ rows: read, loops: node['Actual Loops'] as number });
            for (const child of (node.Plans as Array<Record<string, unknown>>) ?? []) walk(child);
          };
          steps.forEach(walk);
          // Tenants with a limit of their own (left by other tests, if any) are read; the 5,001
          // others are not.
          const tenantRows = reads.tenant_queue.reduce((n, r) => n + r.rows * r.loops, 0);
          if (defaultLimit === 0) {
            // No default limit: no pending job is read at all.
            expect(reads.job.every((r) => r.rows === 0)).toBe(true);
            expect(tenantRows).toBeLessThanOrEqual(limited);
          } else {
            // A default of 2: every tenant with pending jobs is limited. Each read of a job finds
            // one row at most (a probe, or the next tenant with pending jobs), one per such tenant.
            expect(reads.job.length).toBeGreaterThan(0);
            for (const read of reads.job) {
              expect(read.rows).toBeLessThanOrEqual(1);
              expect(read.loops).toBeLessThanOrEqual(waiting + limited + 1);
            }
            expect(tenantRows).toBeLessThanOrEqual(limited + waiting);
          }
        }
      }
    } finally {
      await client.query(`ROLLBACK; DEALLOCATE ALL; RESET plan_cache_mode`).catch(() => undefined);
      client.release();
      await deleteJobs(pool, 'tenant = $1', [tenant]);
      await pool.query(`DELETE FROM job_queue.tenant_queue WHERE tenant = $1 OR tenant LIKE $2`, [tenant, `${idle}-%`]);
    }
  });

  it('statements that find jobs by key read only those jobs, whatever the statistics say about running and pending jobs (ADR 086)', async () => {
    // Statistics of a table of finished jobs (its partial indexes on status look empty), then
    // 2,000 running and 2,000 pending jobs. With a plain status test the planner found a job by
    // scanning a partial index on status and reading every running (or pending) job: each
    // heartbeat, finish and round then cost O(jobs in that status).
    const tenant = `keyed-plan-${randomUUID()}`;
    // Each statement on the kind of connection it runs on: rounds on the round pool (its planner
    // steering, ADR 018/069), the others on plain connections.
    const plain = await pool.connect();
    const rounds = await (store as unknown as { roundPool(durable: boolean): Pool }).roundPool(false).connect();
    try {
      await insertPlanJobs(tenant, 'succeeded', 2000);
      await pool.query('ANALYZE job_queue.job');
      await insertPlanJobs(tenant, 'pending', 2000);
      await insertPlanJobs(tenant, 'running', 2000);
      await pool.query(
        `UPDATE job_queue.job SET run_token = gen_random_uuid(), attempts = 1, lease_expires_at = clock_timestamp() + interval '1 hour'
         WHERE tenant = $1 AND status = 'running'`,
        [tenant],
      );
      const { rows: runs } = await pool.query<{ id: string; run_token: string }>(
        `SELECT id, run_token FROM job_queue.job WHERE tenant = $1 AND status = 'running' ORDER BY id LIMIT 20`,
        [tenant],
      );
      const [run] = runs;
      const successes = JSON.stringify(runs.map((r, ord) => ({ ord, id: r.id, token: r.run_token, info: null })));
      const tokens = (n: number) => `ARRAY[${Array.from({ length: n }, () => 'gen_random_uuid()').join(', ')}]`;
      // [what, statement, its parameters as SQL literals, at most how many job rows it may read, its connection]
      const statements: Array<[string, string, string, number, PoolClient?]> = [
        ['heartbeat', HEARTBEAT_SQL, `'${run.id}', '${run.run_token}', 1000`, 2],
        ['progress', PROGRESS_LEASE_SQL, `'${run.id}', '${run.run_token}', 1, 2, 1000`, 2],
        ['fenced progress', PROGRESS_SQL, `'${run.id}', '${run.run_token}', 1, 2`, 2],
        ['checkpoint', CHECKPOINT_SQL, `'${run.id}', '${run.run_token}', '{}'`, 2],
        ['file owner', OWNER_SQL, `'${run.id}', '${run.run_token}'`, 2],
        ['success', SUCCEED_SQL, `'${run.id}', '${run.run_token}', NULL`, 2],
        ['guarded change', guardedJobUpdateSql(['updated_at = clock_timestamp()']), `'${run.id}', 'running'`, 2],
        // 20 successes, 4 claims: each success by key, each claim from the head of the claim order.
        ['round', PLAIN_ROUND_SQL, `${tokens(4)}, 'w', 1000, '{}', '${successes}', 20, 4, 0`, 60, rounds],
        // The same with 12 more claimed ahead, locked by key after a peek.
        ['round with claim-ahead', ROUND_SQL, `${tokens(16)}, 'w', 1000, '{}', '${successes}', 20, 4, ARRAY['porter-test.noop'], 0, 3`, 120, rounds],
      ];
      for (const mode of ['force_generic_plan', 'force_custom_plan']) {
        for (const client of [plain, rounds]) await client.query(`SET plan_cache_mode = ${mode}`);
        for (const [i, [what, sql, parameters, most, client = plain]] of statements.entries()) {
          await client.query(`PREPARE keyed_probe_${i} AS ${sql}`);
          // ANALYZE runs the statement; the transaction is rolled back.
          await client.query('BEGIN');
          const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE keyed_probe_${i}(${parameters})`);
          await client.query('ROLLBACK');
          await client.query(`DEALLOCATE keyed_probe_${i}`);
          const scanned = planScans(rows[0]['QUERY PLAN'][0].Plan, 'job');
          const read = scanned.reduce((n, scan) => n + scan.rowsRead, 0);
          const scans = scanned.map((scan) => scan.index ?? scan.type);
          expect({ what, mode, read: read <= most ? 'bounded' : `${read} rows via ${scans.join(', ')}` }).toEqual({ what, mode, read: 'bounded' });
        }
      }
    } finally {
      for (const client of [plain, rounds]) {
        await client.query(`ROLLBACK; DEALLOCATE ALL; RESET plan_cache_mode`).catch(() => undefined);
        client.release();
      }
      await deleteJobs(pool, 'tenant = $1', [tenant]);
    }
  });
});

describe('job queue batching with a worker: a burst of jobs', () => {
  it('runs a burst submitted at once (merged wake-ups, multi-claims, batched finishes): every job succeeds once, every transition has its event', async () => {
    const worker = await jobQueueContext({ worker: true });
    const succeeded: string[] = [];
    worker.get(EventBus).subscribe((event) => {
      if (event instanceof JobSucceeded) succeeded.push(event.jobId);
    });
    try {
      const { alice } = users();
      const bus = worker.get(CommandBus);
      const ids = (await Promise.all(Array.from({ length: 60 }, (_, i) => bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, { i }))))).map((r) => r.jobId);
      const pool = worker.get<Pool>(PG_POOL);
      await waitFor(
        async () => {
          const { rows } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`, [ids]);
          return rows[0].n === ids.length;
        },
        { timeoutMs: 30_000, what: 'all 60 jobs to succeed' },
      );
      const { rows } = await pool.query(
        `SELECT job_id, array_agg(type ORDER BY id) AS events FROM job_queue.job_event WHERE job_id = ANY($1::uuid[]) GROUP BY job_id`,
        [ids],
      );
      expect(rows).toHaveLength(60);
      for (const row of rows) expect(row.events).toEqual(['submitted', 'started', 'succeeded']);
      await waitFor(async () => ids.every((id) => succeeded.includes(id)), { what: 'a JobSucceeded event per job' });
      expect(succeeded.filter((id) => ids.includes(id))).toHaveLength(60); // each published once
    } finally {
      await worker.close();
    }
  });
});

describe('job queue batching with a worker: claim-ahead while handlers are short', () => {
  it('claims more jobs per round than it has slots while handlers are short, never runs more handlers than slots, and never claims ahead behind a long job', async () => {
    const worker = await jobQueueContext({ worker: true });
    const pool = worker.get<Pool>(PG_POOL);
    const slots = worker.get<PorterConfig>(PORTER_CONFIG).workerConcurrency;
    const store = worker.get(JobRunStore);
    const asked: number[] = [];
    const round = store.round.bind(store);
    jest.spyOn(store, 'round').mockImplementation(async (...args: Parameters<JobRunStore['round']>) => {
      asked.push(args[1].length);
      return round(...args);
    });
    let running = 0;
    let mostAtOnce = 0;
    jest.spyOn(worker.get(NoopTestJobHandler), 'run').mockImplementation(async () => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      await new Promise((r) => setTimeout(r, 1)); // short, but long enough to overlap
      running--;
    });
    const { alice } = users();
    let long: string[] = [];
    try {
      const bus = worker.get(CommandBus);
      const burst = (await Promise.all(Array.from({ length: 80 }, (_, i) => bus.execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, { i }))))).map((r) => r.jobId);
      await waitFor(
        async () => {
          const { rows } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`, [burst]);
          return rows[0].n === burst.length;
        },
        { timeoutMs: 30_000, what: 'the burst to succeed' },
      );
      expect(Math.max(...asked)).toBeGreaterThan(slots); // claimed ahead
      expect(mostAtOnce).toBeLessThanOrEqual(slots);
      const { rows } = await pool.query(
        `SELECT array_agg(type ORDER BY id) AS events FROM job_queue.job_event WHERE job_id = ANY($1::uuid[]) GROUP BY job_id`,
        [burst],
      );
      expect(rows).toHaveLength(burst.length);
      for (const row of rows) expect(row.events).toEqual(['submitted', 'started', 'succeeded']);

      // Long jobs first, short ones behind them, committed together: the long ones take every
      // slot, and the short ones are not claimed ahead behind them (they stay pending in
      // Postgres, where another worker could take them).
      const followers: string[] = [];
      long = await worker
        .get(TransactionRunner)
        .run(async (transaction) => {
          const out: string[] = [];
          for (let i = 0; i < slots; i++) out.push(await submit(worker, alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 60_000 }, { transaction }));
          for (let i = 0; i < slots; i++) followers.push(await submit(worker, alice, TEST_JOB_TYPES.noop, {}, { transaction }));
          return out;
        });
      await waitFor(
        async () => {
          const { rows: r } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'running'`, [long]);
          return r[0].n === slots;
        },
        { timeoutMs: 10_000, what: `all ${slots} long jobs running` },
      );
      // the rounds that claimed them have committed: none of them took a short job ahead
      const { rows: pending } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [followers]);
      expect(pending[0].n).toBe(slots);
    } finally {
      await stopRunsAndClose(worker, pool, alice, long, 'the long runs to stop');
    }
  });
});

describe('job queue batching with a worker: jobs claimed ahead at shutdown', () => {
  it('releases the jobs claimed ahead that wait for a slot without calling their handler (handlers never exceed the slots)', async () => {
    const worker = await jobQueueContext({ worker: true });
    const config = worker.get<PorterConfig>(PORTER_CONFIG);
    const slots = config.workerConcurrency;
    const pool = worker.get<Pool>(PG_POOL);
    // The worker's pool ends with it: the outcome is read on a pool of our own.
    const check = new Pool({ connectionString: config.databaseUrl });
    const noop = holdNoopRuns(worker);
    const { alice } = users();
    let ids: string[] = [];
    try {
      await makeNoopShort(worker, alice);
      noop.hold();
      ids = await submitTogether(worker, alice, 4 * slots, TEST_JOB_TYPES.noop);
      // the first job starts alone (slow start); the round right after it, while its handler is
      // young, takes the free slots and claims ahead
      const running = await waitFor(
        async () => {
          const { rows } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'running'`, [ids]);
          return rows[0].n > slots ? (rows[0].n as number) : false;
        },
        { timeoutMs: 10_000, what: 'jobs claimed ahead' },
      );
      expect(noop.called.filter((id) => ids.includes(id))).toHaveLength(slots);

      await worker.close();
      const { rows } = await check.query(
        `SELECT j.status, array_agg(e.type ORDER BY e.id) AS events
         FROM job_queue.job j JOIN job_queue.job_event e ON e.job_id = j.id WHERE j.id = ANY($1::uuid[]) GROUP BY j.id, j.status`,
        [ids],
      );
      expect(noop.called.filter((id) => ids.includes(id))).toHaveLength(slots); // the waiting ones never ran
      expect(rows.every((r) => r.status === 'pending')).toBe(true);
      expect(rows.filter((r) => r.events.join() === 'submitted,started,released')).toHaveLength(running);
      expect(rows.filter((r) => r.events.join() === 'submitted')).toHaveLength(ids.length - running);
    } finally {
      await worker.close();
      // leave no pending job to the tests that follow
      await check.query(`UPDATE job_queue.job SET status = 'cancelled', queue_seq = NULL, completed_at = clock_timestamp() WHERE id = ANY($1::uuid[])`, [ids]);
      await check.end();
    }
  });
});

describe('job queue batching with a worker: jobs claimed ahead behind handlers that hang', () => {
  it('releases a job claimed ahead that finds no slot in time (attempt refunded, handler not called), so another worker can take it', async () => {
    const worker = await jobQueueContext({ worker: true });
    const slots = worker.get<PorterConfig>(PORTER_CONFIG).workerConcurrency;
    const pool = worker.get<Pool>(PG_POOL);
    const noop = holdNoopRuns(worker);
    const { alice } = users();
    let ids: string[] = [];
    try {
      await makeNoopShort(worker, alice);
      noop.hold();
      ids = await submitTogether(worker, alice, 4 * slots, TEST_JOB_TYPES.noop);
      // Every slot holds a hanging handler; the jobs claimed ahead behind them are released.
      const released = await waitFor(
        async () => {
          const { rows } = await pool.query(
            `SELECT j.id, j.status, j.attempts FROM job_queue.job j
             WHERE j.id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM job_queue.job_event e WHERE e.job_id = j.id AND e.type = 'released')`,
            [ids],
          );
          return rows.length > 0 && noop.called.filter((id) => ids.includes(id)).length === slots ? rows : false;
        },
        { timeoutMs: 10_000, what: 'jobs claimed ahead released' },
      );
      for (const row of released) {
        expect(noop.called).not.toContain(row.id);
        expect(row.status).toBe('pending');
        expect(row.attempts).toBe(0);
      }
      // nothing claimed stays waiting: every running job is one whose handler was called
      const { rows: running } = await pool.query(`SELECT id FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'running'`, [ids]);
      await waitFor(
        async () => {
          const { rows } = await pool.query(`SELECT id FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'running'`, [ids]);
          return rows.every((r) => noop.called.includes(r.id));
        },
        { timeoutMs: 5_000, what: `only the ${slots} hanging jobs running (was ${running.length})` },
      );
    } finally {
      await stopRunsAndClose(worker, pool, alice, ids, 'the hanging runs to stop');
    }
  });
});

describe('job queue batching with a worker: every free slot is filled after an idle spell', () => {
  it('starts as many jobs as it has slots when they arrive together behind one wake-up (not one at a time)', async () => {
    const worker = await jobQueueContext({ worker: true });
    const pool = worker.get<Pool>(PG_POOL);
    const { alice } = users();
    let ids: string[] = [];
    try {
      // An idle worker: whatever earlier tests left ready has been taken and has ended.
      await waitFor(async () => (await worker.get(JobRunStore).readyPendingCount()) === 0 && worker.get(JobRunner).activeCount === 0, {
        what: 'an idle worker',
      });
      const slots = worker.get<PorterConfig>(PORTER_CONFIG).workerConcurrency;
      // Submitted in one transaction: committed together, relayed in one drain, so they come
      // with a single merged wake-up message (ADR 018).
      ids = await submitTogether(worker, alice, slots, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 60_000 });
      await worker.get(OutboxRelay).flush();
      const queue = worker.get<Queue>(getQueueToken(JOBS_QUEUE));
      const messages = (await Promise.all(ids.map((id) => queue.getJob(`${id}.1`)))).filter(Boolean);
      expect(messages).toHaveLength(1);

      // Every job is running at the same time, long before the first one could have finished.
      await waitFor(
        async () => {
          const { rows } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'running'`, [ids]);
          return rows[0].n === slots;
        },
        { timeoutMs: 10_000, what: `all ${slots} jobs running at once` },
      );
    } finally {
      // Stop the long runs (a cancel reaches a run on its next heartbeat).
      await stopRunsAndClose(worker, pool, alice, ids, 'the long runs to stop');
    }
  });
});

/** Cleanup: cancels `ids`, waits (best effort) until none of them still runs or is being cancelled, closes the worker. */
async function stopRunsAndClose(worker: TestingModule, pool: Pool, who: Principal, ids: string[], what: string): Promise<void> {
  for (const id of ids) await worker.get(CommandBus).execute(new CancelJobCommand(who, id)).catch(() => undefined);
  await waitFor(
    async () => {
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status IN ('running', 'cancelling')`, [ids]);
      return rows[0].n === 0;
    },
    { what },
  ).catch(() => undefined);
  await worker.close();
}

/** `count` jobs submitted in ONE transaction: committed together, so relayed in one drain (ADR 018). */
function submitTogether(worker: TestingModule, who: Principal, count: number, type: string, payload: Record<string, unknown> = {}): Promise<string[]> {
  return worker.get(TransactionRunner).run(async (transaction) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await submit(worker, who, type, payload, { transaction }));
    return ids;
  });
}

/** Runs 20 noop jobs to success: the type becomes short, so rounds may claim ahead (ADR 018). */
async function makeNoopShort(worker: TestingModule, who: Principal): Promise<void> {
  const bus = worker.get(CommandBus);
  const pool = worker.get<Pool>(PG_POOL);
  const warm = (await Promise.all(Array.from({ length: 20 }, () => bus.execute(new SubmitJobCommand(who, TEST_JOB_TYPES.noop, {}))))).map((r) => r.jobId);
  await waitFor(
    async () => (await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`, [warm])).rows[0].n === warm.length,
    { what: 'the short runs' },
  );
}

/**
 * The noop handler, recording the jobs it is called for. After `hold()` each run hangs until it
 * is aborted (a cancel at the end of a test, or shutdown), as a handler should.
 */
function holdNoopRuns(worker: TestingModule): { called: string[]; hold: () => void } {
  let holding = false;
  const called: string[] = [];
  jest.spyOn(worker.get(NoopTestJobHandler) as JobHandler, 'run').mockImplementation(async (context: JobContext) => {
    called.push(context.jobId);
    if (!holding) return;
    await new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(new Error(`aborted: ${context.signal.reason}`)), { once: true }));
  });
  return { called, hold: () => (holding = true) };
}

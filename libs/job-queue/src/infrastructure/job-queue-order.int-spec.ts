import { TestingModule } from '@nestjs/testing';
import { CommandBus, EventBus, QueryBus } from '@nestjs/cqrs';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomUUID } from 'crypto';
import { Client, Pool } from 'pg';
import { FILE_STORAGE, FileStorage, PG_POOL, PORTER_CONFIG, PorterConfig, TransactionRunner } from '@porter/platform';
import { Principal } from '@porter/shared-kernel';
import { JobStatus } from '../public/enums/job-status';
import { SubmitJobCommand } from '../public/actions/submit-job.command';
import { MoveJobToTopCommand } from '../public/actions/move-job-to-top.command';
import { UpdateJobCommand } from '../public/actions/update-job.command';
import { CancelJobCommand } from '../public/actions/cancel-job.command';
import { DeleteJobCommand } from '../public/actions/delete-job.command';
import { ListJobsQuery } from '../public/queries/list-jobs.query';
import { GetJobEventsQuery } from '../public/queries/get-job-events.query';
import { ListJobFilesQuery } from '../public/queries/list-job-files.query';
import { JOB_FILE_CLEANER, JOB_REPOSITORY, JobFileCleaner, JobRepository } from '../application/ports/job.repository.port';
import { StepsTestJobHandler, TEST_JOB_TYPES } from '../test-support/test-job-handlers';
import { JobRunStore } from './store/job-run.store';
import { OUTBOX_CHANNEL, selectJobPage } from './persistence/job-sql';
import { OutboxRelay } from './outbox/outbox-relay.service';
import { JobReconciler } from './maintenance/job-reconciler.service';
import { JobPurgeService } from './maintenance/job-purge.service';
import { JOBS_QUEUE, MAINTENANCE_QUEUE, PURGE_SCHEDULER_ID } from './job-queue.constants';
import { getJob, holdWorkerLiveness, jobQueueContext, principal, submit, users, waitFor, waitForStatus, apiContextWithPool } from '../test-support/job-queue-test-context';

const ADMIN_TOP = { priority: 1000 };

describe('job queue without a worker: submit, transactions, position, move-to-top, permissions, fencing', () => {
  let api: TestingModule;
  let pool: Pool;
  beforeAll(async () => ({ api, pool } = await apiContextWithPool()));
  afterAll(async () => api?.close());

  it('is written in the caller\'s transaction when given one: rolled back with it, committed with it', async () => {
    const { alice } = users();
    const transactions = api.get(TransactionRunner);
    let rolledBackId = '';
    await expect(
      transactions.run(async (transaction) => {
        rolledBackId = (await api.get(CommandBus).execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { transaction }))).jobId;
        throw new Error('the caller fails after submitting');
      }),
    ).rejects.toThrow('the caller fails');
    const gone = await pool.query(`SELECT (SELECT count(*) FROM job_queue.job WHERE id = $1) AS jobs, (SELECT count(*) FROM job_queue.outbox WHERE job_id = $1) AS outbox`, [rolledBackId]);
    expect(gone.rows[0]).toEqual({ jobs: '0', outbox: '0' });

    const committed = await transactions.run(async (transaction) => {
      await transaction.execute(`SELECT 1`, []);
      return (await api.get(CommandBus).execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { transaction }))).jobId;
    });
    expect((await getJob(api, alice, committed)).status).toBe(JobStatus.Pending);
    const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, committed));
    expect(events.map((e) => e.type)).toEqual(['submitted']);
  });

  it('kicks this process\'s relay once after the caller\'s transaction commits, without a NOTIFY, and not when it rolls back', async () => {
    const { alice } = users();
    const transactions = api.get(TransactionRunner);
    const kick = jest.spyOn(api.get(OutboxRelay), 'kick');
    const listener = new Client({ connectionString: api.get<PorterConfig>(PORTER_CONFIG).databaseUrl });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (n) => notified.push(n.channel));
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    let ids: string[] = [];
    try {
      kick.mockClear();
      await expect(
        transactions.run(async (transaction) => {
          await api.get(CommandBus).execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { transaction }));
          throw new Error('the caller fails after submitting');
        }),
      ).rejects.toThrow('the caller fails');
      expect(kick).not.toHaveBeenCalled();

      let kicksBeforeCommit = -1;
      ids = await transactions.run(async (transaction) => {
        const first = await api.get(CommandBus).execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { transaction }));
        const second = await api.get(CommandBus).execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { transaction }));
        kicksBeforeCommit = kick.mock.calls.length;
        return [first.jobId, second.jobId];
      });
      expect(kicksBeforeCommit).toBe(0);
      expect(kick).toHaveBeenCalledTimes(1);
      await waitFor(async () => (await pool.query(`SELECT count(*)::int AS n FROM job_queue.outbox WHERE job_id = ANY($1::uuid[])`, [ids])).rows[0].n === 0, {
        what: 'the relay to drain the committed jobs\' outbox rows',
      });
      await listener.query('SELECT 1'); // a round trip: a notification sent by then has arrived
      expect(notified).toEqual([]);
    } finally {
      kick.mockRestore();
      await listener.end();
      // pending jobs of one tenant in two rounds would sit between the jobs of the tests that follow
      for (const id of ids) await api.get(CommandBus).execute(new CancelJobCommand(alice, id));
    }
  });

  it('returns the existing job for a repeated idempotency key', async () => {
    const { alice } = users();
    const first = await api.get(CommandBus).execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { idempotencyKey: 'k1' }));
    const second = await api.get(CommandBus).execute(new SubmitJobCommand(alice, TEST_JOB_TYPES.noop, {}, { idempotencyKey: 'k1' }));
    expect(first.created).toBe(true);
    expect(second).toEqual({ jobId: first.jobId, created: false });
  });

  it('refuses an invalid submission with field errors', async () => {
    const { alice } = users();
    await expect(
      api.get(CommandBus).execute(new SubmitJobCommand(alice, 'bad type!', {}, { priority: 1.5 })),
    ).rejects.toMatchObject({ kind: 'validation', errors: [{ path: 'type' }, { path: 'priority' }] });
  });

  it('gives pending jobs their 1-based position; priority goes first; move-to-top (admin only) makes a job position 1', async () => {
    const { alice, admin } = users();
    const a = await submit(api, alice, TEST_JOB_TYPES.noop);
    const b = await submit(api, alice, TEST_JOB_TYPES.noop);
    const c = await submit(api, alice, TEST_JOB_TYPES.noop);
    const pa = (await getJob(api, alice, a)).position!;
    expect(pa).toBeGreaterThanOrEqual(1);
    expect((await getJob(api, alice, b)).position).toBe(pa + 1);
    expect((await getJob(api, alice, c)).position).toBe(pa + 2);

    await expect(api.get(CommandBus).execute(new MoveJobToTopCommand(alice, c))).rejects.toMatchObject({ kind: 'forbidden' });
    const moved = await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, c));
    expect(moved.position).toBe(1);
    expect((await getJob(api, alice, a)).position).toBe(pa + 1);
    expect((await getJob(api, alice, b)).position).toBe(pa + 2);

    const urgent = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: 1000 });
    expect((await getJob(api, alice, urgent)).position).toBe(2); // behind the moved job, ahead of everything else
    const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, c));
    expect(events.map((e) => e.type)).toEqual(['submitted', 'moved_to_top']);
    expect(events[1]).toMatchObject({ actor: 'root', data: { previousPosition: pa + 2 } });
  });

  it('gives every pending job of a list page the position a worker takes it in, ranking the queue once per query', async () => {
    const { alice, admin } = users();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: i % 3 === 0 ? 7 : 0 }));
    await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, ids[20]));
    await api.get(CommandBus).execute(new CancelJobCommand(alice, ids[25]));
    await submit(api, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: new Date(Date.now() + 3600_000) });

    // a page in the middle of the list (newest first): pending, cancelled and scheduled jobs
    const page = await api.get(QueryBus).execute(new ListJobsQuery(alice, {}, 2, 25));
    expect(page.items).toHaveLength(25);
    for (const item of page.items) expect(item.position === null).toBe(item.status !== JobStatus.Pending);
    expect(page.items.find((j) => j.id === ids[25])).toMatchObject({ status: JobStatus.Cancelled, position: null });

    // the list query reads the job table twice (the page, the pending jobs), each scan once,
    // whatever plan it gets: no scan repeated per row of the page
    const { rows: counts } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM job_queue.job WHERE status = 'pending'`);
    const pending = counts[0].n;
    const { rows: plan } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${selectJobPage(`j.tenant = $1 AND j.status <> 'deleted'`, '$2', '$3')}`, [
      alice.tenant,
      2,
      25,
    ]);
    const jobScans = (node: Record<string, unknown>): Array<Record<string, unknown>> => [
      ...(node['Relation Name'] === 'job' ? [node] : []),
      ...((node.Plans as Array<Record<string, unknown>>) ?? []).flatMap(jobScans),
    ];
    expect(jobScans(plan[0]['QUERY PLAN'][0].Plan).map((scan) => scan['Actual Loops'])).toEqual([1, 1]);

    // the oracle: the order in which claims take every pending job
    const store = api.get(JobRunStore);
    const claimed = await store.claimMany(Array.from({ length: pending }, () => randomUUID()), 'worker-oracle', 60_000, {});
    expect(claimed).toHaveLength(pending);
    const takenAs = new Map(claimed.map((job, i) => [job.id, i + 1]));
    for (const item of page.items.filter((j) => j.status === JobStatus.Pending)) expect(item.position).toBe(takenAs.get(item.id));
    expect(page.items.find((j) => j.id === ids[20])?.position).toBe(1);
    await store.round(claimed.map((job) => ({ jobId: job.id, runToken: job.runToken, outputInformation: null })), [], 'worker-oracle', 60_000, {});
  });

  it('cancels a pending job at once; it never runs', async () => {
    const { alice } = users();
    const jobId = await submit(api, alice, TEST_JOB_TYPES.noop);
    const cancelled = await api.get(CommandBus).execute(new CancelJobCommand(alice, jobId));
    expect(cancelled).toMatchObject({ status: JobStatus.Cancelled, position: null });
    expect(cancelled.completedAt).not.toBeNull();
    // It left the queue: no claim can take it any more.
    const { rows } = await pool.query(`SELECT status, attempts, queue_seq FROM job_queue.job WHERE id = $1`, [jobId]);
    expect(rows[0]).toEqual({ status: 'cancelled', attempts: 0, queue_seq: null });
  });

  it('keeps other users\' jobs private and other tenants\' jobs invisible; admins see the tenant', async () => {
    const { tenant, alice, bob, admin } = users();
    const aliceJob = await submit(api, alice, TEST_JOB_TYPES.noop);
    const bobJob = await submit(api, bob, TEST_JOB_TYPES.noop);
    const stranger = principal('root', `other-${tenant}`, { admin: true });
    await expect(getJob(api, alice, bobJob)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(getJob(api, stranger, aliceJob)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(api.get(CommandBus).execute(new CancelJobCommand(stranger, aliceJob))).rejects.toMatchObject({ kind: 'not_found' });
    await expect(api.get(QueryBus).execute(new GetJobEventsQuery(stranger, aliceJob))).rejects.toMatchObject({ kind: 'not_found' });
    await expect(api.get(QueryBus).execute(new ListJobFilesQuery(stranger, aliceJob))).rejects.toMatchObject({ kind: 'not_found' });
    const mine = await api.get(QueryBus).execute(new ListJobsQuery(alice, {}));
    expect(mine.items.map((j) => j.id)).toEqual([aliceJob]);
    const all = await api.get(QueryBus).execute(new ListJobsQuery(admin, {}));
    expect(all.totalRecords).toBe(2);
    expect(all.items.map((j) => j.id)).toEqual([bobJob, aliceJob]); // newest first
    const bobsOnly = await api.get(QueryBus).execute(new ListJobsQuery(admin, { submittedBy: 'bob' }));
    expect(bobsOnly.items.map((j) => j.id)).toEqual([bobJob]);
    expect((await api.get(QueryBus).execute(new ListJobsQuery(stranger, {}))).totalRecords).toBe(0);
  });

  it("shows an admin the platform's own jobs of the tenant unless asked to leave them out (excludeSystem), in the page and its count", async () => {
    const { tenant, alice, admin } = users();
    const aliceJob = await submit(api, alice, TEST_JOB_TYPES.noop);
    const systemJob = await submit(api, Principal.system(tenant), TEST_JOB_TYPES.noop);
    const all = await api.get(QueryBus).execute(new ListJobsQuery(admin, {}));
    expect(all.items.map((j) => [j.id, j.submittedBy])).toEqual([[systemJob, 'system'], [aliceJob, 'alice']]);
    const people = await api.get(QueryBus).execute(new ListJobsQuery(admin, { excludeSystem: true }));
    expect(people.items.map((j) => j.id)).toEqual([aliceJob]);
    expect(people.totalRecords).toBe(1);
    // With the other filters and the query language too; a non-admin never saw them anyway.
    expect((await api.get(QueryBus).execute(new ListJobsQuery(admin, { excludeSystem: true, query: 'status==pending' }))).totalRecords).toBe(1);
    expect((await api.get(QueryBus).execute(new ListJobsQuery(alice, {}))).items.map((j) => j.id)).toEqual([aliceJob]);
  });

  it('reschedules: a future time makes the job scheduled, clearing it makes it pending', async () => {
    const { alice } = users();
    const jobId = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: new Date(Date.now() + 3600_000) });
    expect((await getJob(api, alice, jobId)).status).toBe(JobStatus.Scheduled);
    const later = new Date(Date.now() + 7200_000);
    const moved = await api.get(CommandBus).execute(new UpdateJobCommand(alice, jobId, { scheduledFor: later, name: 'renamed' }));
    expect(moved).toMatchObject({ status: JobStatus.Scheduled, scheduledFor: later.toISOString(), name: 'renamed', position: null });
    const now = await api.get(CommandBus).execute(new UpdateJobCommand(alice, jobId, { scheduledFor: null }));
    expect(now.status).toBe(JobStatus.Pending);
    expect(now.position).toBeGreaterThanOrEqual(1);
    const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, jobId));
    expect(events.map((e) => e.type)).toEqual(['submitted', 'scheduled', 'schedule_cleared']);
  });

  it('fences runs: a stalled run that wakes up late cannot write over the run that replaced it', async () => {
    const { alice, admin } = users();
    const store = api.get(JobRunStore);
    const jobId = await submit(api, alice, TEST_JOB_TYPES.noop, {}, ADMIN_TOP);
    await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, jobId));
    const first = await store.claim(randomUUID(), 'worker-a', 60_000, {});
    expect(first?.id).toBe(jobId);
    // worker-a hangs; its lease runs out
    await pool.query(`UPDATE job_queue.job SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = $1`, [jobId]);
    const recovered = await store.recoverStalled();
    expect(recovered.find((r) => r.id === jobId)).toMatchObject({ outcome: JobStatus.Pending });
    await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, jobId));
    const second = await store.claim(randomUUID(), 'worker-b', 60_000, {});
    // a stall gives its attempt back: the rerun is attempt 1 again
    expect(second).toMatchObject({ id: jobId, attempts: 1 });

    // worker-a wakes up: every write it tries is refused
    expect(await store.heartbeat(jobId, first!.runToken, 60_000)).toBeNull();
    expect(await store.progress(jobId, first!.runToken, 99, 100, 60_000)).toBeNull();
    expect(await store.checkpoint(jobId, first!.runToken, { stale: true })).toBe(false);
    expect(await store.addFile(jobId, first!.runToken, { name: 'x', contentType: 'text/plain', sizeBytes: 1, sha256: 'x', storageKey: 'k' })).toBe(false);
    expect(await store.finish(jobId, first!.runToken, { kind: 'failed', errorDetails: 'stale', outputInformation: null })).toBeNull();
    expect((await getJob(api, alice, jobId)).status).toBe(JobStatus.Running);

    const done = await store.finish(jobId, second!.runToken, { kind: 'succeeded', outputInformation: { by: 'worker-b' } });
    expect(done?.status).toBe(JobStatus.Succeeded);
    const job = await getJob(api, alice, jobId);
    expect(job).toMatchObject({ status: JobStatus.Succeeded, attempts: 1, stalls: 1, outputInformation: { by: 'worker-b' } });
    const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, jobId));
    expect(events.map((e) => e.type)).toEqual(['submitted', 'moved_to_top', 'started', 'stalled', 'moved_to_top', 'started', 'succeeded']);
  });

  it('stalls do not use up attempts; a job that stalls more than JOB_MAX_STALLS times fails with a clear reason', async () => {
    const { alice, admin } = users();
    const store = api.get(JobRunStore);
    const jobId = await submit(api, alice, TEST_JOB_TYPES.noop, {}, ADMIN_TOP);
    for (let stall = 1; stall <= 3; stall++) {
      await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, jobId));
      const run = await store.claim(randomUUID(), `worker-${stall}`, 60_000, { [TEST_JOB_TYPES.noop]: 1 });
      // one attempt allowed, yet every rerun after a stall is attempt 1 again
      expect(run).toMatchObject({ id: jobId, attempts: 1 });
      await pool.query(`UPDATE job_queue.job SET lease_expires_at = clock_timestamp() - interval '1 second' WHERE id = $1`, [jobId]);
      expect((await store.recoverStalled(100, 2)).find((r) => r.id === jobId)).toMatchObject({ outcome: stall <= 2 ? JobStatus.Pending : JobStatus.Failed });
    }
    const job = await getJob(api, alice, jobId);
    expect(job).toMatchObject({ status: JobStatus.Failed, attempts: 1, stalls: 3 });
    expect(job.errorDetails).toBe(
      'The job stalled 3 times, the last time because the worker running it stopped responding (lease expired); ' +
        'more than the 2 stalls allowed (JOB_MAX_STALLS), so it is not run again',
    );
    const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, jobId));
    expect(events.filter((e) => e.type === 'stalled').map((e) => e.data)).toEqual([
      { attempt: 1, stall: 1, reason: 'the worker stopped responding (lease expired); resuming from the last checkpoint' },
      { attempt: 1, stall: 2, reason: 'the worker stopped responding (lease expired); resuming from the last checkpoint' },
    ]);
  });

  it('a live worker whose session ended (Postgres restarted) and took its lock again is not taken for dead, whatever the grace', async () => {
    const { alice, admin } = users();
    const store = api.get(JobRunStore);
    let session = await holdWorkerLiveness(api, 'worker-blip');
    try {
      const id = await submit(api, alice, TEST_JOB_TYPES.noop, {}, ADMIN_TOP);
      await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, id));
      const run = await store.claim(randomUUID(), 'worker-blip', 600_000, {});
      expect(run).toMatchObject({ id });
      await session.end(); // the session ends; the process lives on
      expect((await store.recoverStalled()).filter((r) => r.id === id)).toEqual([]); // noted free, within the grace
      const { rows: noted } = await pool.query(`SELECT lock_free_since FROM job_queue.worker WHERE id = 'worker-blip'`);
      expect(noted[0].lock_free_since).not.toBeNull();
      session = await holdWorkerLiveness(api, 'worker-blip'); // back a second later, lock held again
      expect((await store.recoverStalled(100, 3, null, 0)).filter((r) => r.id === id)).toEqual([]);
      expect((await getJob(api, alice, id)).status).toBe(JobStatus.Running);
      expect(await store.finish(id, run!.runToken, { kind: 'succeeded', outputInformation: null })).toMatchObject({ status: JobStatus.Succeeded });
    } finally {
      await session.end().catch(() => undefined);
    }
  });

  it('a worker whose process is gone is known dead once its lock stayed free for the grace, before its lease runs out; a live one (lock held) is left alone', async () => {
    const { alice, admin } = users();
    const store = api.get(JobRunStore);
    const live = await holdWorkerLiveness(api, 'worker-live');
    const doomed = await holdWorkerLiveness(api, 'worker-doomed');
    try {
      const ids: string[] = [];
      const tokens: string[] = [];
      for (const worker of ['worker-live', 'worker-doomed']) {
        const id = await submit(api, alice, TEST_JOB_TYPES.noop, {}, ADMIN_TOP);
        await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, id));
        const run = await store.claim(randomUUID(), worker, 600_000, {});
        expect(run).toMatchObject({ id });
        ids.push(id);
        tokens.push(run!.runToken);
      }
      expect((await store.recoverStalled()).filter((r) => ids.includes(r.id))).toEqual([]);
      await doomed.end(); // the process dies: its session and its lock go with it
      // Within the grace (4 s) a free lock is only noted: a live worker whose session ended takes it again
      expect((await store.recoverStalled()).filter((r) => ids.includes(r.id))).toEqual([]);
      const recovered = await store.recoverStalled(100, 3, null, 0);
      expect(recovered.filter((r) => ids.includes(r.id))).toEqual([expect.objectContaining({ id: ids[1], outcome: JobStatus.Pending })]);
      const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, ids[1]));
      expect(events.at(-1)).toMatchObject({ type: 'stalled', data: { reason: 'the worker process is gone (its liveness lock was released); resuming from the last checkpoint' } });
      expect((await getJob(api, alice, ids[0])).status).toBe(JobStatus.Running);
      // the dead worker is deregistered; the live one stays
      const { rows } = await pool.query(`SELECT id FROM job_queue.worker WHERE id IN ('worker-live', 'worker-doomed') ORDER BY id`);
      expect(rows).toEqual([{ id: 'worker-live' }]);
      expect(await store.finish(ids[0], tokens[0], { kind: 'succeeded', outputInformation: null })).toMatchObject({ status: JobStatus.Succeeded });
    } finally {
      await live.end();
      await doomed.end().catch(() => undefined);
    }
  });

  it('reconciles: when Redis lacks the message of a pending job, a wake-up is enqueued again', async () => {
    const { alice } = users();
    const jobId = await submit(api, alice, TEST_JOB_TYPES.noop);
    await api.get(OutboxRelay).flush();
    const queue = api.get<Queue>(getQueueToken(JOBS_QUEUE));
    await waitFor(async () => (await queue.getJob(`${jobId}.1`)) !== undefined, { what: 'the relayed message' });
    // Redis loses the messages (flush, eviction, restore from an old snapshot)
    await queue.drain();
    expect(await queue.getWaitingCount()).toBe(0);
    const reconciler = new JobReconciler(
      api.get(JobRunStore),
      queue,
      api.get(EventBus),
      api.get<JobFileCleaner>(JOB_FILE_CLEANER),
      api.get<PorterConfig>(PORTER_CONFIG),
    );
    const store = api.get(JobRunStore);
    const ready = await store.readyPendingCount();
    const result = await reconciler.reconcile();
    expect(result.wakeups).toBe(ready);
    await api.get(OutboxRelay).flush();
    expect(await queue.getWaitingCount()).toBeGreaterThanOrEqual(ready);
  });
});

describe('job queue with a worker: scheduling, move-to-top order, purge', () => {
  let api: TestingModule;

  beforeAll(async () => {
    api = await jobQueueContext({ worker: false });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('takes moved-to-top jobs first and otherwise keeps the queue order', async () => {
    const { alice, admin } = users();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: 999 }));
    await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, ids[2]));
    const worker = await jobQueueContext({ worker: true });
    try {
      const done = await Promise.all(ids.map((id) => waitForStatus(worker, alice, id, JobStatus.Succeeded)));
      const order = [...done].sort((x, y) => x.startedAt!.localeCompare(y.startedAt!)).map((j) => j.id);
      expect(order).toEqual([ids[2], ids[0], ids[1]]);
    } finally {
      await worker.close();
    }
  });

  it('runs a scheduled job at its time, not before; rescheduling earlier runs it at the new time', async () => {
    const { alice } = users();
    const worker = await jobQueueContext({ worker: true }); // first: its start may outlast the 1.5 s the job waits
    try {
      const at = new Date(Date.now() + 1500);
      const scheduled = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: at });
      const farAway = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: new Date(Date.now() + 3600_000) });
      expect((await getJob(api, alice, scheduled)).status).toBe(JobStatus.Scheduled);
      const newTime = new Date(Date.now() + 1000);
      await api.get(CommandBus).execute(new UpdateJobCommand(alice, farAway, { scheduledFor: newTime }));
      const a = await waitForStatus(worker, alice, scheduled, JobStatus.Succeeded);
      const b = await waitForStatus(worker, alice, farAway, JobStatus.Succeeded);
      expect(new Date(a.startedAt!).getTime()).toBeGreaterThanOrEqual(at.getTime());
      expect(new Date(b.startedAt!).getTime()).toBeGreaterThanOrEqual(newTime.getTime());
      expect(new Date(b.startedAt!).getTime()).toBeLessThan(newTime.getTime() + 3000);
      const events = await api.get(QueryBus).execute(new GetJobEventsQuery(alice, scheduled));
      expect(events.map((e) => e.type)).toEqual(['submitted', 'due', 'started', 'succeeded']);
    } finally {
      await worker.close();
    }
  });

  it('cancels a pending job while a worker is running: it never starts, and the worker goes on past it', async () => {
    const { alice } = users();
    const worker = await jobQueueContext({ worker: true });
    const pool = worker.get<Pool>(PG_POOL);
    const run = jest.spyOn(worker.get(StepsTestJobHandler), 'run');
    const blockers: string[] = [];
    try {
      // Every slot of the worker is busy, so the next job stays pending with the worker running.
      const slots = worker.get<PorterConfig>(PORTER_CONFIG).workerConcurrency;
      for (let i = 0; i < slots; i++) blockers.push(await submit(worker, alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 60_000 }));
      await Promise.all(blockers.map((id) => waitForStatus(worker, alice, id, JobStatus.Running)));
      const target = await submit(worker, alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 1 });
      await worker.get(OutboxRelay).flush(); // its wake-up message reached the worker's queue
      expect((await getJob(worker, alice, target)).status).toBe(JobStatus.Pending);

      const cancelled = await worker.get(CommandBus).execute(new CancelJobCommand(alice, target));
      expect(cancelled).toMatchObject({ status: JobStatus.Cancelled, position: null });

      // Slots free up; a job submitted after the cancelled one runs, so the worker went past it.
      const after = await submit(worker, alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 1 });
      for (const id of blockers) await worker.get(CommandBus).execute(new CancelJobCommand(alice, id));
      await waitForStatus(worker, alice, after, JobStatus.Succeeded);

      const job = await getJob(worker, alice, target);
      expect(job).toMatchObject({ status: JobStatus.Cancelled, attempts: 0, startedAt: null });
      const events = await worker.get(QueryBus).execute(new GetJobEventsQuery(alice, target));
      expect(events.map((e) => e.type)).toEqual(['submitted', 'cancelled']);
      const ran = run.mock.calls.map(([context]) => context.jobId);
      expect(ran).toContain(after);
      expect(ran).not.toContain(target);
    } finally {
      for (const id of blockers) await worker.get(CommandBus).execute(new CancelJobCommand(alice, id)).catch(() => undefined);
      await waitFor(
        async () => {
          const { rows } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'cancelled'`, [blockers]);
          return rows[0].n === blockers.length;
        },
        { what: 'the blocking runs to stop' },
      ).catch(() => undefined);
      run.mockRestore();
      await worker.close();
    }
  });

  it('soft-deletes a terminal job (gone from lists, files removed) and purges old terminal jobs with files, events and every queue message they had', async () => {
    const { alice } = users();
    const worker = await jobQueueContext({ worker: true });
    try {
      const relay = worker.get(OutboxRelay);
      const queue = worker.get<Queue>(getQueueToken(JOBS_QUEUE));
      // `old` fails its first attempt, so it has two wake-ups: its submit's (`.1`) and its
      // retry's (`.2`). Each is relayed while nothing else waits in the outbox, so neither is
      // merged into another job's message (ADR 018): both messages exist.
      await relay.flush();
      const old = await submit(worker, alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 1, fileName: 'c.csv', failAttempts: 1 });
      await relay.flush();
      expect((await waitForStatus(worker, alice, old, JobStatus.Succeeded)).attempts).toBe(2);
      const kept = await submit(worker, alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 1, fileName: 'a.csv' });
      const deleted = await submit(worker, alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 1, fileName: 'b.csv' });
      const pending = await submit(worker, alice, TEST_JOB_TYPES.noop, {}, { scheduledFor: new Date(Date.now() + 3600_000) });
      for (const id of [kept, deleted]) await waitForStatus(worker, alice, id, JobStatus.Succeeded);
      const storage = worker.get<FileStorage>(FILE_STORAGE);
      // Their storage keys, which no query shows: to see the bytes go with the jobs.
      const [deletedFile] = await worker.get<JobRepository>(JOB_REPOSITORY).files(deleted);
      const [oldFile] = await worker.get<JobRepository>(JOB_REPOSITORY).files(old);

      await expect(worker.get(CommandBus).execute(new DeleteJobCommand(alice, pending))).rejects.toMatchObject({ kind: 'conflict' });
      await worker.get(CommandBus).execute(new DeleteJobCommand(alice, deleted));
      const list = await worker.get(QueryBus).execute(new ListJobsQuery(alice, {}));
      expect(list.items.map((j) => j.id).sort()).toEqual([kept, old, pending].sort());
      expect((await getJob(worker, alice, deleted)).status).toBe(JobStatus.Deleted);
      expect(await storage.stat(deletedFile.storageKey)).toBeNull();

      const pool = worker.get<Pool>(PG_POOL);
      // Every message id `old` may have had (a reconciler top-up may have added `.3`), and the
      // two it certainly had, present before the purge.
      const { rows: seq } = await pool.query<{ enqueue_seq: number }>(`SELECT enqueue_seq FROM job_queue.job WHERE id = $1`, [old]);
      const messageIds = Array.from({ length: seq[0].enqueue_seq }, (_, k) => `${old}.${k + 1}`);
      expect(messageIds.slice(0, 2)).toEqual([`${old}.1`, `${old}.2`]);
      expect(await queue.getJob(`${old}.1`)).toBeDefined();
      expect(await queue.getJob(`${old}.2`)).toBeDefined();
      await relay.flush();
      expect(await queue.getJob(`${kept}.1`)).toBeDefined(); // first of its drain: never merged away

      await pool.query(`UPDATE job_queue.job SET completed_at = clock_timestamp() - interval '2 hours' WHERE id = $1`, [old]);
      const result = await worker.get(JobPurgeService).purge(3600_000);
      expect(result.purged).toBeGreaterThanOrEqual(2); // the old one and the soft-deleted one
      await expect(getJob(worker, alice, old)).rejects.toMatchObject({ kind: 'not_found' });
      await expect(getJob(worker, alice, deleted)).rejects.toMatchObject({ kind: 'not_found' });
      expect((await getJob(worker, alice, kept)).status).toBe(JobStatus.Succeeded);
      expect((await getJob(worker, alice, pending)).status).toBe(JobStatus.Scheduled);
      expect(await storage.stat(oldFile.storageKey)).toBeNull();
      const events = await pool.query(`SELECT count(*) AS n FROM job_queue.job_event WHERE job_id = $1`, [old]);
      expect(events.rows[0].n).toBe('0');
      for (const id of messageIds) expect(await queue.getJob(id)).toBeUndefined();
      expect(await queue.getJob(`${kept}.1`)).toBeDefined(); // a job that stays keeps its message
    } finally {
      await worker.close();
    }
  });

  it('fires the repeatable purge on its own every JOB_PURGE_INTERVAL_MS (a later run purges a job that became due after the first)', async () => {
    const { alice } = users();
    const started = Date.now();
    const worker = await jobQueueContext({ worker: true, config: { jobPurgeIntervalMs: 1000, jobPurgeAgeMs: 3600_000 } });
    const maintenance = worker.get<Queue>(getQueueToken(MAINTENANCE_QUEUE));
    const runsSince = async (at: number) => (await maintenance.getCompleted()).filter((j) => j.name === 'purge' && (j.finishedOn ?? 0) >= at);
    try {
      await waitFor(async () => (await maintenance.getJobSchedulers()).some((s) => s.key === PURGE_SCHEDULER_ID && Number(s.every) === 1000), {
        what: 'the purge scheduler with the configured interval',
      });
      await waitFor(async () => (await runsSince(started)).length > 0, { what: 'a first purge run' });

      const jobId = await submit(worker, alice, TEST_JOB_TYPES.noop);
      await waitForStatus(worker, alice, jobId, JobStatus.Succeeded);
      const dueAt = Date.now();
      await worker.get<Pool>(PG_POOL).query(`UPDATE job_queue.job SET completed_at = clock_timestamp() - interval '2 hours' WHERE id = $1`, [jobId]);
      // Nobody calls purge() here: only a scheduled run can remove it.
      await waitFor(
        async () =>
          getJob(worker, alice, jobId).then(
            () => false,
            (error: { kind?: string }) => error.kind === 'not_found',
          ),
        { timeoutMs: 10_000, what: 'a scheduled purge run to remove the job' },
      );
      // The run that removed it is marked completed once its processor has returned, a moment
      // after the job is gone: wait for that record rather than expecting it at once.
      await waitFor(async () => (await runsSince(dueAt)).length > 0, { what: 'the purge run that removed it to complete' });
    } finally {
      // The 1 s scheduler must not outlive this test; the next worker schedules the purge again
      // with the run's own interval when it starts.
      await maintenance.removeJobScheduler(PURGE_SCHEDULER_ID).catch(() => undefined);
      await worker.close();
    }
  });
});

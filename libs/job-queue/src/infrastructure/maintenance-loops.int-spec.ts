import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../application/ports/job-attachment.store.port';
import { randomUUID } from 'crypto';
import { TestingModule } from '@nestjs/testing';
import { getQueueToken } from '@nestjs/bullmq';
import { EventBus } from '@nestjs/cqrs';
import { JobPurged } from '../public/events/job-events';
import type { Queue } from 'bullmq';
import { Pool } from 'pg';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { JOB_FILE_CLEANER, JobFileCleaner } from '../application/ports/job.repository.port';
import { jobQueueContext } from '../test-support/job-queue-test-context';
import { JOBS_QUEUE, MAINTENANCE_QUEUE } from './job-queue.constants';
import { JobPurgeService } from './maintenance/job-purge.service';
import { JobReconciler } from './maintenance/job-reconciler.service';
import { JobRunStore } from './store/job-run.store';
import { OutboxRelay } from './outbox/outbox-relay.service';

const INSTANCES = 3;

/**
 * The job queue's maintenance loops run in every process (relay in every API and worker,
 * reconciler and purge in every worker): with several hosts, several instances of each run the
 * same tick at the same moment against one Postgres and Redis. Three instances of each (three
 * Nest contexts, each with its own pool and Redis connections) run at once here, and each item
 * must be handled exactly once. The sends, recoveries and deletions are real; they are only
 * counted on the way.
 */
describe('maintenance loops with several instances at once (Postgres + Redis)', () => {
  const contexts: TestingModule[] = [];
  let pool: Pool;
  let config: PorterConfig;

  beforeAll(async () => {
    for (let i = 0; i < INSTANCES; i++) contexts.push(await jobQueueContext({ worker: false }));
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
    config = contexts[0].get<PorterConfig>(PORTER_CONFIG);
  });

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close();
    await pool?.end();
  });

  const jobsQueue = (ctx: TestingModule) => ctx.get<Queue>(getQueueToken(JOBS_QUEUE));

  /** Inserts jobs as a claim or a completion would have left them (no handler: nothing runs them). */
  async function insertJobs(count: number, values: { status: string; workerId?: string; completedAgoMs?: number }): Promise<string[]> {
    const ids = Array.from({ length: count }, () => randomUUID());
    const tenant = `t-${randomUUID()}`;
    await pool.query(
      `INSERT INTO job_queue.job (id, tenant, type, status, principal, submitted_by, attempts, max_attempts, run_token,
                                  lease_expires_at, worker_id, started_at, completed_at)
       SELECT id, $2, 'scaleout.unhandled', $3, '{}'::jsonb, 'ada', 1, 3,
              CASE WHEN $3 = 'running' THEN gen_random_uuid() END,
              CASE WHEN $3 = 'running' THEN clock_timestamp() + interval '1 hour' END,
              $4, clock_timestamp(),
              CASE WHEN $5::bigint IS NULL THEN NULL ELSE clock_timestamp() - make_interval(secs => $5::double precision / 1000) END
       FROM unnest($1::uuid[]) AS id`,
      [ids, tenant, values.status, values.workerId ?? null, values.completedAgoMs ?? null],
    );
    return ids;
  }

  it('outbox relay: 200 rows become 200 messages, each sent by one relay', async () => {
    const sent: string[][] = contexts.map(() => []);
    contexts.forEach((ctx, i) => {
      const queue = jobsQueue(ctx);
      const addBulk = queue.addBulk.bind(queue);
      queue.addBulk = (jobs) => {
        for (const job of jobs) sent[i].push(String(job.opts?.jobId));
        return addBulk(jobs);
      };
    });
    // Delayed, unmerged wake-ups (one message per row, as a retry's backoff writes them), for
    // jobs that do not exist: a worker woken by one would find nothing, and none is woken here.
    const rows = Array.from({ length: 200 }, () => ({ jobId: randomUUID(), messageId: `scaleout-${randomUUID()}` }));
    await pool.query(
      `INSERT INTO job_queue.outbox (job_id, message_id, available_at, coalesce)
       SELECT j, m, clock_timestamp() + interval '1 hour', false FROM unnest($1::uuid[], $2::text[]) AS t(j, m)`,
      [rows.map((r) => r.jobId), rows.map((r) => r.messageId)],
    );
    await Promise.all(contexts.map((ctx) => ctx.get(OutboxRelay).flush()));
    await Promise.all(contexts.map((ctx) => ctx.get(OutboxRelay).flush()));

    const all = sent.flat().filter((id) => id.startsWith('scaleout-'));
    expect(all).toHaveLength(200);
    expect(new Set(all)).toEqual(new Set(rows.map((r) => r.messageId)));
    expect((await pool.query(`SELECT count(*)::int AS n FROM job_queue.outbox WHERE message_id LIKE 'scaleout-%'`)).rows[0].n).toBe(0);
    const queue = jobsQueue(contexts[0]);
    expect((await Promise.all(rows.map((r) => queue.getJob(r.messageId)))).filter(Boolean)).toHaveLength(200);
    await Promise.all(rows.map((r) => queue.remove(r.messageId)));
  });

  it("reconciler: the runs of a dead worker are recovered once each (one `stalled` event per job)", async () => {
    // A worker that registered and died: its liveness lock is free, and has been for longer than the grace.
    const deadWorker = `dead-host:1:${randomUUID().slice(0, 8)}`;
    await pool.query(`INSERT INTO job_queue.worker (id, host, pid, lock_free_since) VALUES ($1, 'dead-host', 1, now() - interval '1 minute')`, [deadWorker]);
    const ids = await insertJobs(30, { status: 'running', workerId: deadWorker });
    const reconcilers = contexts.map(
      (ctx) => new JobReconciler(ctx.get(JobRunStore), jobsQueue(ctx), ctx.get(EventBus), ctx.get<JobFileCleaner>(JOB_FILE_CLEANER), config),
    );
    const rounds = await Promise.all(reconcilers.map((r) => r.reconcile()));
    await Promise.all(reconcilers.map((r) => r.reconcile()));

    expect(rounds.reduce((n, r) => n + r.recovered, 0)).toBe(30);
    const { rows: events } = await pool.query(
      `SELECT job_id, count(*)::int AS n FROM job_queue.job_event WHERE type = 'stalled' AND job_id = ANY($1::uuid[]) GROUP BY job_id`,
      [ids],
    );
    expect(events).toHaveLength(30);
    expect(events.every((e) => e.n === 1)).toBe(true);
    const { rows: jobs } = await pool.query(`SELECT status, stalls, attempts FROM job_queue.job WHERE id = ANY($1::uuid[])`, [ids]);
    expect(jobs.every((j) => j.status === 'pending' && j.stalls === 1 && j.attempts === 0)).toBe(true);
  });

  it('job purge: old terminal jobs are deleted, and their files removed, once each', async () => {
    const ids = await insertJobs(120, { status: 'succeeded', completedAgoMs: 2 * 86_400_000 });
    const cleaned: string[] = [];
    const purges = contexts.map((ctx) => {
      const cleaner = ctx.get<JobFileCleaner>(JOB_FILE_CLEANER);
      const counting: JobFileCleaner = Object.create(cleaner, {
        removeAll: { value: async (jobId: string) => (cleaned.push(jobId), cleaner.removeAll(jobId)) },
      });
      return new JobPurgeService(ctx.get(JobRunStore), ctx.get<Queue>(getQueueToken(MAINTENANCE_QUEUE)), jobsQueue(ctx), counting, ctx.get<JobAttachmentStore>(JOB_ATTACHMENT_STORE), config, ctx.get(EventBus));
    });
    const announced: JobPurged[] = [];
    const subscriptions = contexts.map((ctx) => ctx.get(EventBus).subscribe((e) => e instanceof JobPurged && ids.includes(e.jobId) && announced.push(e)));
    // Older than a day: only this test's jobs (the run's other jobs are younger).
    await Promise.all(purges.map((p) => p.purge(86_400_000)));

    const mine = cleaned.filter((id) => ids.includes(id));
    expect(mine).toHaveLength(120);
    expect(new Set(cleaned).size).toBe(cleaned.length);
    expect((await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[])`, [ids])).rows[0].n).toBe(0);
    // Each purged job is announced once, with its type and tenant, for the module that owns it.
    subscriptions.forEach((s) => s.unsubscribe());
    expect(announced.map((e) => e.jobId).sort()).toEqual([...ids].sort());
    expect(announced.every((e) => typeof e.type === 'string' && e.type.length > 0 && typeof e.tenant === 'string')).toBe(true);
  });
});

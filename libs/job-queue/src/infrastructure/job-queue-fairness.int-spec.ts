import { TestingModule } from '@nestjs/testing';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Pool } from 'pg';
import { PG_POOL, TransactionRunner } from '@porter/platform';
import { Principal, TooManyRequestsError } from '@porter/shared-kernel';
import { SetTenantLimitsCommand } from '../public/actions/set-tenant-limits.command';
import { SubmitJobCommand } from '../public/actions/submit-job.command';
import { GetTenantLimitsQuery } from '../public/queries/get-tenant-limits.query';
import { TEST_JOB_TYPES } from '../test-support/test-job-handlers';
import { getJob, jobQueueContext, submit, users, waitFor, apiContextWithPool } from '../test-support/job-queue-test-context';

const operator = new Principal('ops', 'platform', ['operator']);

async function events(pool: Pool, jobIds: string[]): Promise<Array<{ job_id: string; type: string; at: Date }>> {
  const { rows } = await pool.query(`SELECT job_id, type, at FROM job_queue.job_event WHERE job_id = ANY($1::uuid[]) ORDER BY at, id`, [jobIds]);
  return rows;
}

/** The most runs of `jobIds` at once, from their started / ended events. */
function peakConcurrency(rows: Array<{ job_id: string; type: string }>): number {
  let running = 0;
  let peak = 0;
  for (const row of rows) {
    if (row.type === 'started') peak = Math.max(peak, ++running);
    else if (['succeeded', 'failed', 'cancelled', 'released', 'stalled', 'retrying'].includes(row.type)) running--;
  }
  return peak;
}

describe('job queue: fair sharing between tenants and tenant limits (real Postgres and Redis)', () => {
  let api: TestingModule;
  let pool: Pool;
  beforeAll(async () => ({ api, pool } = await apiContextWithPool()));
  afterAll(async () => api?.close());

  it('a tenant that submits after another tenant’s backlog lands near the head, whether jobs come in batches or inside callers’ transactions', async () => {
    const a = users();
    const b = users();
    const c = users();
    // A: 100 jobs submitted at once (the batched path)
    await Promise.all(Array.from({ length: 100 }, () => submit(api, a.alice, TEST_JOB_TYPES.noop)));
    // C: 60 jobs, each inside its caller's transaction (an export request's path), all at once
    const transactions = api.get(TransactionRunner);
    await Promise.all(
      Array.from({ length: 60 }, () =>
        transactions.run((transaction) => api.get(CommandBus).execute(new SubmitJobCommand(c.alice, TEST_JOB_TYPES.noop, {}, { transaction }))),
      ),
    );
    const bJob = await submit(api, b.alice, TEST_JOB_TYPES.noop);
    const cJob = await transactions.run((transaction) => api.get(CommandBus).execute(new SubmitJobCommand(c.alice, TEST_JOB_TYPES.noop, {}, { transaction })));
    // B's one job waits behind at most one job of each tenant with work (A, C) and older jobs of
    // other tests, not behind A's 100 and C's 60.
    const { rows } = await pool.query<{ ahead: number }>(
      `SELECT count(*)::int AS ahead FROM job_queue.job WHERE status = 'pending' AND tenant = ANY($1::text[])
         AND queue_seq < (SELECT queue_seq FROM job_queue.job WHERE id = $2)`,
      [[a.tenant, c.tenant], bJob],
    );
    expect(rows[0].ahead).toBeLessThanOrEqual(2);
    // C's last job is behind its own 60: a tenant's own jobs stay in submission order
    const own = await pool.query<{ behind: number }>(
      `SELECT count(*)::int AS behind FROM job_queue.job WHERE tenant = $1 AND queue_seq > (SELECT queue_seq FROM job_queue.job WHERE id = $2)`,
      [c.tenant, cJob.jobId],
    );
    expect(own.rows[0].behind).toBe(0);
    // positions reported to users follow the same order
    expect((await getJob(api, b.alice, bJob)).position).toBeLessThan((await getJob(api, a.alice, (await pool.query(`SELECT id FROM job_queue.job WHERE tenant = $1 ORDER BY queue_seq DESC LIMIT 1`, [a.tenant])).rows[0].id)).position!);
    await pool.query(`UPDATE job_queue.job SET status = 'cancelled', queue_seq = NULL WHERE tenant = ANY($1::text[]) AND status = 'pending'`, [[a.tenant, b.tenant, c.tenant]]);
  });

  it('tenant A submits 200, then tenant B submits 1: with one worker of concurrency 4, B starts before at most 4 more of A’s', async () => {
    const a = users();
    const b = users();
    const worker = await jobQueueContext({ worker: true, config: { workerConcurrency: 4 } });
    try {
      const aJobs = await Promise.all(Array.from({ length: 200 }, () => submit(worker, a.alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 20 })));
      const bJob = await submit(worker, b.alice, TEST_JOB_TYPES.steps, { steps: 1, stepMs: 20 });
      const bSubmittedAt = (await events(pool, [bJob]))[0].at;
      await waitFor(async () => (await getJob(worker, b.alice, bJob)).status === 'succeeded', { timeoutMs: 60_000, what: "B's job to succeed" });
      const rows = await events(pool, [...aJobs, bJob]);
      const bStarted = rows.find((r) => r.job_id === bJob && r.type === 'started')!.at;
      const aStartedBetween = rows.filter((r) => r.job_id !== bJob && r.type === 'started' && r.at >= bSubmittedAt && r.at < bStarted).length;
      expect(aStartedBetween).toBeLessThanOrEqual(4);
      await pool.query(`UPDATE job_queue.job SET status = 'cancelled', queue_seq = NULL WHERE tenant = $1 AND status = 'pending'`, [a.tenant]);
    } finally {
      await worker.close();
    }
  }, 90_000);

  it('maxConcurrentJobs holds across three racing workers (counted from the job events), and every job still runs', async () => {
    const { tenant, alice } = users();
    await api.get(CommandBus).execute(new SetTenantLimitsCommand(operator, tenant, { maxConcurrentJobs: 2 }));
    const workers = await Promise.all([1, 2, 3].map(() => jobQueueContext({ worker: true, config: { workerConcurrency: 4 } })));
    try {
      const ids = await Promise.all(Array.from({ length: 24 }, () => submit(api, alice, TEST_JOB_TYPES.steps, { steps: 2, stepMs: 40 })));
      await waitFor(
        async () => (await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE id = ANY($1::uuid[]) AND status = 'succeeded'`, [ids])).rows[0].n === ids.length,
        { timeoutMs: 60_000, what: 'every job of the limited tenant to succeed' },
      );
      const rows = await events(pool, ids);
      expect(peakConcurrency(rows)).toBe(2);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
    }
  }, 90_000);

  it('maxPendingJobs: a submission beyond it is refused with 429 and Retry-After; room frees it again; limits are validated and for operators only', async () => {
    const { tenant, alice } = users();
    const set = (change: object) => api.get(CommandBus).execute(new SetTenantLimitsCommand(operator, tenant, change));
    expect(await set({ maxPendingJobs: 3 })).toMatchObject({ tenant, maxPendingJobs: 3, overrides: { maxPendingJobs: 3, maxConcurrentJobs: null } });
    const later = { scheduledFor: new Date(Date.now() + 3600_000) };
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, later));
    const refused = await submit(api, alice, TEST_JOB_TYPES.noop, {}, later).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect(refused).toMatchObject({ retryAfterSeconds: 10, message: expect.stringContaining('maxPendingJobs') });
    // Follow-up work Porter schedules itself (a webhook attempt, an email; ADR 062) is not refused
    // at the limit, alone or inside a caller's transaction; the caller's own submissions still are.
    const bus = api.get(CommandBus);
    const followUp = await bus.execute(new SubmitJobCommand(Principal.system(tenant), TEST_JOB_TYPES.noop, {}, { ...later, followUp: true }));
    expect(followUp.created).toBe(true);
    const inTransaction = await api.get(TransactionRunner).run((transaction) =>
      bus.execute(new SubmitJobCommand(Principal.system(tenant), TEST_JOB_TYPES.noop, {}, { ...later, followUp: true, transaction })),
    );
    expect(inTransaction.created).toBe(true);
    await expect(submit(api, alice, TEST_JOB_TYPES.noop, {}, later)).rejects.toBeInstanceOf(TooManyRequestsError);
    await pool.query(`UPDATE job_queue.job SET status = 'cancelled' WHERE id = ANY($1::uuid[])`, [[followUp.jobId, inTransaction.jobId]]);
    await pool.query(`UPDATE job_queue.job SET status = 'cancelled' WHERE id = $1`, [ids[0]]);
    await expect(submit(api, alice, TEST_JOB_TYPES.noop, {}, later)).resolves.toEqual(expect.any(String));
    // back to the default (0: no limit)
    expect(await set({ maxPendingJobs: null })).toMatchObject({ maxPendingJobs: 0, overrides: { maxPendingJobs: null } });
    await expect(submit(api, alice, TEST_JOB_TYPES.noop, {}, later)).resolves.toEqual(expect.any(String));

    await expect(set({ maxPendingJobs: -1 })).rejects.toMatchObject({ errors: [{ path: 'maxPendingJobs', message: expect.stringContaining('from 0') }] });
    await expect(set({ maxConcurrentJobs: 1.5, burst: 3 })).rejects.toMatchObject({
      errors: expect.arrayContaining([expect.objectContaining({ path: 'burst' }), expect.objectContaining({ path: 'maxConcurrentJobs' })]),
    });
    await expect(api.get(CommandBus).execute(new SetTenantLimitsCommand(alice, tenant, { maxPendingJobs: 1 }))).rejects.toMatchObject({
      kind: 'forbidden',
    });
    await expect(api.get(QueryBus).execute(new GetTenantLimitsQuery(users().admin, tenant))).rejects.toMatchObject({ kind: 'forbidden' });
    await pool.query(`UPDATE job_queue.job SET status = 'cancelled' WHERE tenant = $1`, [tenant]);
  });

  it('maxPendingJobs counts pending and scheduled jobs together (each read from its own index), and no other status', async () => {
    const { tenant, alice } = users();
    const bus = api.get(CommandBus);
    await bus.execute(new SetTenantLimitsCommand(operator, tenant, { maxPendingJobs: 3 }));
    const later = { scheduledFor: new Date(Date.now() + 3600_000) };
    // No worker here: an immediate job stays pending.
    const pending = [await submit(api, alice, TEST_JOB_TYPES.noop), await submit(api, alice, TEST_JOB_TYPES.noop)];
    const scheduled = await submit(api, alice, TEST_JOB_TYPES.noop, {}, later);
    const refused = await submit(api, alice, TEST_JOB_TYPES.noop).catch((e: unknown) => e);
    expect(refused).toMatchObject({ message: expect.stringContaining('has 3 jobs waiting') });
    // Two more scheduled beyond the limit (a follow-up is admitted anyway): still "3 waiting", the count stops at the limit.
    for (let i = 0; i < 2; i++) await bus.execute(new SubmitJobCommand(Principal.system(tenant), TEST_JOB_TYPES.noop, {}, { ...later, followUp: true }));
    await expect(submit(api, alice, TEST_JOB_TYPES.noop, {}, later)).rejects.toMatchObject({ message: expect.stringContaining('has 3 jobs waiting') });
    // Running, finished or cancelled jobs are not waiting.
    await pool.query(`UPDATE job_queue.job SET status = 'running', queue_seq = NULL WHERE id = $1`, [pending[0]]);
    await pool.query(`UPDATE job_queue.job SET status = 'cancelled' WHERE tenant = $1 AND status = 'scheduled' AND id <> $2`, [tenant, scheduled]);
    await expect(submit(api, alice, TEST_JOB_TYPES.noop, {}, later)).resolves.toEqual(expect.any(String));
    await expect(submit(api, alice, TEST_JOB_TYPES.noop)).rejects.toMatchObject({ message: expect.stringContaining('has 3 jobs waiting') });
    // The index is there for the scheduled half (a small table may still be read whole: seq scans off for the check).
    const client = await pool.connect();
    try {
      const [, , explained] = (await client.query(
        `BEGIN; SET LOCAL enable_seqscan = off; EXPLAIN SELECT 1 FROM job_queue.job WHERE tenant = '${tenant}' AND status = 'scheduled'; ROLLBACK`,
      )) as unknown as Array<{ rows: Array<Record<string, string>> }>;
      expect(explained.rows.map((r) => r['QUERY PLAN']).join('\n')).toContain('job_scheduled_tenant_idx');
    } finally {
      client.release();
    }
    await pool.query(`UPDATE job_queue.job SET status = 'cancelled' WHERE tenant = $1`, [tenant]);
  });
});

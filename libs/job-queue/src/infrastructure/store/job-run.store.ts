import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { createPgPool, PG_POOL, PORTER_CONFIG, PorterConfig, withPgTransaction } from '@porter/platform';
import { JobStatus } from '../../public/enums/job-status';
import { assertTransition } from '../../domain/job-state-machine';
import { PLAIN_ROUND_SQL, PLAIN_ROUND_STATEMENT, ROUND_SQL, ROUND_STATEMENT } from './round.sql';
import { endRun, requeueRun } from './run-transitions';
import { recoverStalledRuns } from './stall-recovery';
import { finishOutage } from './outage-retry';
import { enqueueWakeups, promoteDue, purge, PurgedJob, readyPendingCount } from './queue-maintenance';
import { CHECKPOINT_SQL, HEARTBEAT_SQL, OWNER_SQL, PROGRESS_LEASE_SQL, SUCCEED_SQL } from './run.sql';
import type { ClaimAhead, ClaimedJob, FinishResult, RoundResult, RunOutcome, StalledJob, SuccessInput } from './run-store.types';

export type { ClaimAhead, ClaimedJob, FinishResult, RoundResult, RunOutcome, StalledJob, SuccessInput } from './run-store.types';

/**
 * The worker side of the job table. Every write of a run carries its run token
 * (`WHERE id = $1 AND run_token = $2`): once stall recovery or a cancel has moved the job on,
 * a late write from the old run changes nothing.
 */
@Injectable()
export class JobRunStore implements OnApplicationShutdown {
  private relaxedPool: Pool | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  /**
   * For writes whose loss in a Postgres crash is harmless (claims, leases, progress): commits
   * without waiting for the WAL flush. A lost claim only means the job is claimed again; the
   * old run's fenced writes then fail. Outcomes, checkpoints and files stay fully durable.
   */
  private get relaxed(): Pool {
    if (!this.relaxedPool) {
      this.relaxedPool = createPgPool(this.config.databaseUrl, Math.max(2, Math.min(this.config.workerConcurrency + 2, this.config.databasePoolMax)), {
        application_name: 'porter-job-runs',
        options: '-c synchronous_commit=off',
      });
    }
    return this.relaxedPool;
  }

  private readonly roundPools: { durable: Pool | null; relaxed: Pool | null } = { durable: null, relaxed: null };

  /**
   * For the worker round only (ADR 018): a prepared statement, planned once per connection.
   * A cached generic plan must not depend on statistics (a fresh table, or autovacuum off, has
   * none, and a plan made then would keep a seq scan or hash join for good), so these pools steer
   * the planner to index paths and nested loops, which is what the round's key lookups and its
   * walk down the pending index need whatever the table's size.
   * `enable_sort=off` (ADR 069): the claim's "first n pending jobs in claim order" must come from a
   * walk down `job_pending_order_idx`, never from reading every pending job through another
   * index that covers them (then `job_waiting_tenant_idx`) and sorting: with statistics taken while
   * few jobs were pending, which is the usual state of a job table, the cached plan did exactly
   * that, and each claim then read and sorted the whole backlog. The statement's other sorts
   * (window functions, the result order) have no alternative and stay; the penalty their cost
   * then carries would make Postgres JIT-compile the statement on every execution, hence
   * `jit=off`.
   * `plan_cache_mode=force_generic_plan` (ADR 106): left to choose, Postgres planned the round
   * afresh on every execution (the generic plan's estimate, penalties included, never beat the
   * custom plans'), about 1.1 ms of a one-job round's 1.6 ms. The generic plan is the one the
   * plan tests check, and it is as fast or faster at every round size measured (1 to 128 claims
   * and as many successes).
   * A round that ends runs commits durably. A round that only claims may commit without waiting
   * for the WAL flush, like the claims of ADR 012 always could: a claim lost in a Postgres crash
   * only means the job is taken again and the old run's fenced writes are refused. (The next
   * durable commit flushes it anyway, which also lets index scans skip the rows it replaced.)
   */
  private roundPool(durable: boolean): Pool {
    const key = durable ? 'durable' : 'relaxed';
    let pool = this.roundPools[key];
    if (!pool) {
      pool = createPgPool(this.config.databaseUrl, 2, {
        application_name: 'porter-job-rounds',
        options:
          '-c enable_seqscan=off -c enable_bitmapscan=off -c enable_hashjoin=off -c enable_mergejoin=off -c enable_sort=off -c jit=off -c plan_cache_mode=force_generic_plan' +
          (durable ? '' : ' -c synchronous_commit=off'),
      });
      this.roundPools[key] = pool;
    }
    return pool;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relaxedPool?.end().catch(() => undefined);
    await this.roundPools.durable?.end().catch(() => undefined);
    await this.roundPools.relaxed?.end().catch(() => undefined);
  }

  /** scheduled → pending for every job whose time has come (store/queue-maintenance.ts). */
  promoteDue(limit = 500): Promise<number> {
    return promoteDue(this.pool, limit);
  }

  /**
   * Takes the head of the queue (the job `position` 1 names) for a new run: fresh run token,
   * attempt + 1, a lease. SKIP LOCKED lets concurrent workers take different jobs.
   */
  async claim(runToken: string, workerId: string, leaseMs: number, maxAttemptsByType: Record<string, number>): Promise<ClaimedJob | null> {
    return (await this.claimMany([runToken], workerId, leaseMs, maxAttemptsByType))[0] ?? null;
  }

  /**
   * Takes up to `runTokens.length` jobs from the head of the queue in ONE statement (ADR 018):
   * exactly the jobs `position` 1..n name (minus rows other workers hold), in that order, the
   * i-th with the i-th run token. Their `started_at` is the claim instant plus their rank in
   * microseconds, so the take order stays visible in the data.
   */
  async claimMany(runTokens: string[], workerId: string, leaseMs: number, maxAttemptsByType: Record<string, number>): Promise<ClaimedJob[]> {
    if (!runTokens.length) return [];
    return (await this.round([], runTokens, workerId, leaseMs, maxAttemptsByType)).claimed;
  }

  /**
   * Opens a round connection and prepares the round statement ahead of the first job (a round
   * that ends nothing and claims nothing), so the first job after start pays neither.
   */
  async warmUp(workerId: string): Promise<void> {
    await this.round([], [], workerId, 1000, {});
    await this.roundPool(true).query({ name: ROUND_STATEMENT, text: ROUND_SQL, values: [[], workerId, 1000, '{}', '[]', 0, 0, [], 0, 0] });
    await this.roundPool(true).query({ name: PLAIN_ROUND_STATEMENT, text: PLAIN_ROUND_SQL, values: [[], workerId, 1000, '{}', '[]', 0, 0, 0] });
  }

  /**
   * A worker's round (ADR 018): ends the given successful runs and claims up to
   * `runTokens.length` jobs, in one statement. Throws when the statement failed as a whole
   * (nothing was written then).
   */
  async round(
    successes: SuccessInput[],
    runTokens: string[],
    workerId: string,
    leaseMs: number,
    maxAttemptsByType: Record<string, number>,
    ahead: ClaimAhead = { sure: runTokens.length, shortTypes: [] },
  ): Promise<RoundResult> {
    if (successes.length) assertTransition(JobStatus.Running, JobStatus.Succeeded);
    if (runTokens.length) assertTransition(JobStatus.Pending, JobStatus.Running);
    const input = successes.map((s, ord) => ({ ord, id: s.jobId, token: s.runToken, info: s.outputInformation }));
    // Prepared (planning was ~40% of a round's database time), on the pool whose planner
    // settings keep the cached plan on the indexes.
    const values = [runTokens, workerId, leaseMs, JSON.stringify(maxAttemptsByType), JSON.stringify(input), successes.length, ahead.sure];
    const plain = ahead.sure >= runTokens.length;
    const { rows } = await this.roundPool(successes.length > 0).query(
      plain
        ? { name: PLAIN_ROUND_STATEMENT, text: PLAIN_ROUND_SQL, values: [...values, this.config.jobTenantMaxConcurrentJobs] }
        : { name: ROUND_STATEMENT, text: ROUND_SQL, values: [...values, ahead.shortTypes, this.config.jobTenantMaxConcurrentJobs, this.config.jobMaxStalls] },
    );
    const result: RoundResult = { succeeded: new Map(), claimed: [], seen: 0 };
    const infoById = new Map(successes.map((s) => [s.jobId, s.outputInformation]));
    for (const row of rows) {
      if (row.part === 'next') {
        result.seen = Number(row.n);
        continue;
      }
      if (row.part === 'succeeded') {
        result.succeeded.set(row.id, {
          status: JobStatus.Succeeded,
          type: row.type,
          tenant: row.tenant,
          attempts: row.attempts,
          outputInformation: infoById.get(row.id) ?? null,
          errorDetails: null,
        });
        continue;
      }
      result.claimed.push({
        id: row.id,
        tenant: row.tenant,
        type: row.type,
        payload: row.payload ?? {},
        principal: row.principal,
        attempts: row.attempts,
        maxAttempts: row.max_attempts,
        checkpoint: row.checkpoint,
        runToken: row.run_token,
        submittedAt: row.submitted_at,
        startedAt: row.started_at,
        // (a rerun after a stall is attempt 1 again, but not the first run)
        firstRun: row.attempts === 1 && !row.stalls,
        traceContext: row.trace_context ?? null,
      });
    }
    return result;
  }

  /** Extends the lease; null when the run lost the job, else the current status (cancelling = stop). */
  async heartbeat(jobId: string, runToken: string, leaseMs: number): Promise<JobStatus | null> {
    const { rows } = await this.relaxed.query<{ status: JobStatus }>(HEARTBEAT_SQL, [jobId, runToken, leaseMs]);
    return rows[0]?.status ?? null;
  }

  async progress(jobId: string, runToken: string, processed: number, total: number | null, leaseMs: number): Promise<JobStatus | null> {
    const { rows } = await this.relaxed.query<{ status: JobStatus }>(PROGRESS_LEASE_SQL, [
      jobId,
      runToken,
      Math.max(0, Math.floor(processed)),
      total === null ? null : Math.floor(total),
      leaseMs,
    ]);
    return rows[0]?.status ?? null;
  }

  async checkpoint(jobId: string, runToken: string, state: Record<string, unknown>): Promise<boolean> {
    const result = await this.pool.query(CHECKPOINT_SQL, [jobId, runToken, JSON.stringify(state)]);
    return (result.rowCount ?? 0) > 0;
  }

  /**
   * Records a committed output file if the run still owns the job. Returns the storage key the
   * file replaced (same name written by an earlier run), or false when the run lost the job.
   */
  async addFile(
    jobId: string,
    runToken: string,
    file: { name: string; contentType: string; sizeBytes: number; sha256: string; storageKey: string },
  ): Promise<{ replacedKey: string | null } | false> {
    return withPgTransaction(this.pool, async (client) => {
      const owner = await client.query(OWNER_SQL, [jobId, runToken]);
      if (!owner.rowCount) return false;
      const previous = await client.query<{ storage_key: string }>(
        `SELECT storage_key FROM job_queue.job_file WHERE job_id = $1 AND name = $2`,
        [jobId, file.name],
      );
      await client.query(
        `INSERT INTO job_queue.job_file (job_id, name, content_type, size_bytes, sha256, storage_key, run_token)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (job_id, name) DO UPDATE SET content_type = EXCLUDED.content_type, size_bytes = EXCLUDED.size_bytes,
           sha256 = EXCLUDED.sha256, storage_key = EXCLUDED.storage_key, run_token = EXCLUDED.run_token, created_at = clock_timestamp()`,
        [jobId, file.name, file.contentType, file.sizeBytes, file.sha256, file.storageKey, runToken],
      );
      return { replacedKey: previous.rows[0]?.storage_key ?? null };
    });
  }

  /**
   * Ends a run. Decides the target status from the job's CURRENT status (a cancel may have
   * arrived meanwhile) and applies it only if the run token still matches.
   */
  async finish(jobId: string, runToken: string, outcome: RunOutcome): Promise<FinishResult | null> {
    if (outcome.kind === 'succeeded') {
      const fast = await this.succeedIfRunning(jobId, runToken, outcome.outputInformation);
      if (fast) return fast;
    }
    return withPgTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ status: JobStatus; type: string; tenant: string; attempts: number }>(
        `SELECT status, type, tenant, attempts FROM job_queue.job WHERE id = $1 AND run_token = $2 FOR UPDATE`,
        [jobId, runToken],
      );
      const current = rows[0];
      if (!current || (current.status !== JobStatus.Running && current.status !== JobStatus.Cancelling)) return null;
      // Once a cancel was asked for, the job ends cancelled whatever the handler did.
      let effective: RunOutcome = current.status === JobStatus.Cancelling ? { kind: 'cancelled' } : outcome;
      const base = { type: current.type, tenant: current.tenant, attempts: current.attempts };
      // A dependency was unreachable: retried without counting while its outage lasts (ADR 091).
      let outageData: Record<string, unknown> = {};
      if ((effective.kind === 'retry' || effective.kind === 'failed') && effective.outage) {
        const outage = await finishOutage(client, jobId, current, { ...effective, outage: effective.outage });
        if ('finished' in outage) return outage.finished;
        effective = outage.counted;
        outageData = { counted: true, ...outage.outageData };
      }
      switch (effective.kind) {
        case 'succeeded':
          return endRun(client, jobId, current.status, JobStatus.Succeeded, 'succeeded', {
            ...base,
            outputInformation: effective.outputInformation,
            errorDetails: null,
          });
        case 'failed':
          return endRun(client, jobId, current.status, JobStatus.Failed, 'failed', {
            ...base,
            outputInformation: effective.outputInformation,
            errorDetails: effective.errorDetails,
          });
        case 'cancelled':
          await client.query(`DELETE FROM job_queue.job_file WHERE job_id = $1`, [jobId]);
          return endRun(client, jobId, current.status, JobStatus.Cancelled, 'cancelled', {
            ...base,
            outputInformation: null,
            errorDetails: null,
          });
        case 'retry':
          await requeueRun(client, jobId, current.status, {
            runAfterMs: effective.delayMs,
            event: 'retrying',
            data: { attempt: current.attempts, error: effective.errorDetails, delayMs: effective.delayMs, ...outageData },
            errorDetails: effective.errorDetails,
          });
          return {
            ...base,
            status: JobStatus.Pending,
            outputInformation: null,
            errorDetails: effective.errorDetails,
            retry: { delayMs: effective.delayMs, counted: true },
          };
        case 'release':
          // Stopped by shutdown before finishing: this run does not count as an attempt.
          await requeueRun(client, jobId, current.status, {
            runAfterMs: 0,
            event: 'released',
            data: { attempt: current.attempts, reason: effective.reason },
            attemptsDelta: -1,
          });
          return { ...base, attempts: current.attempts - 1, status: JobStatus.Pending, outputInformation: null, errorDetails: null };
      }
    });
  }

  /**
   * The common case in one statement (no explicit transaction): running → succeeded with its
   * event. Null when the job is not `running` under this token (cancelling, or lost): the
   * general path then decides.
   */
  private async succeedIfRunning(jobId: string, runToken: string, outputInformation: Record<string, unknown> | null): Promise<FinishResult | null> {
    assertTransition(JobStatus.Running, JobStatus.Succeeded);
    const { rows } = await this.pool.query<{ type: string; tenant: string; attempts: number }>(SUCCEED_SQL, [
      jobId,
      runToken,
      outputInformation === null ? null : JSON.stringify(outputInformation),
    ]);
    if (!rows[0]) return null;
    return { ...rows[0], status: JobStatus.Succeeded, outputInformation, errorDetails: null };
  }

  /** Runs whose worker is gone back to the queue, or ended (store/stall-recovery.ts, ADR 041). */
  recoverStalled(limit = 100, maxStalls = 3, selfWorkerId: string | null = null, relockGraceMs?: number): Promise<Array<StalledJob & { outcome: JobStatus }>> {
    return recoverStalledRuns(this.pool, limit, maxStalls, selfWorkerId, relockGraceMs);
  }

  /** Pending jobs that could be taken now. */
  readyPendingCount(): Promise<number> {
    return readyPendingCount(this.pool);
  }

  /** Wake-up messages for `count` ready jobs, through the outbox. */
  enqueueWakeups(count: number): Promise<number> {
    return enqueueWakeups(this.pool, count);
  }

  /** Terminal jobs older than `olderThanMs`, deleted with their events (store/queue-maintenance.ts). */
  purge(olderThanMs: number, limit = 500): Promise<PurgedJob[]> {
    return purge(this.pool, olderThanMs, limit);
  }
}

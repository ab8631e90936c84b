import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { createPgPool, PG_POOL, PORTER_CONFIG, PorterConfig, withPgTransaction } from '@porter/platform';
import type { PrincipalData } from '@porter/shared-kernel';
import { JobStatus } from '../public/enums/job-status';
import { assertTransition } from '../domain/job-state-machine';
import { CLAIM_ORDER, deadWorkersSql, OUTBOX_CHANNEL, TENANT_CLAIM_LOCK_CLASS, WORKER_LOCK_CLASS } from './job-sql';

export interface ClaimedJob {
  id: string;
  tenant: string;
  type: string;
  payload: Record<string, unknown>;
  principal: PrincipalData;
  attempts: number;
  maxAttempts: number;
  checkpoint: Record<string, unknown> | null;
  runToken: string;
  submittedAt: Date;
  /** When the claim stamped the run as started (millisecond resolution). */
  startedAt: Date;
  firstRun: boolean;
  /** The W3C trace context of the request that submitted the job (ADR 049), when traced. */
  traceContext: Record<string, string> | null;
}

/** What a run decided once its handler settled; the store applies it only if the run still owns the job. */
export type RunOutcome =
  | { kind: 'succeeded'; outputInformation: Record<string, unknown> | null }
  | { kind: 'failed'; errorDetails: string; outputInformation: Record<string, unknown> | null }
  | { kind: 'retry'; delayMs: number; errorDetails: string }
  | { kind: 'release'; reason: string }
  | { kind: 'cancelled' };

export interface FinishResult {
  status: JobStatus;
  type: string;
  tenant: string;
  attempts: number;
  outputInformation: Record<string, unknown> | null;
  errorDetails: string | null;
}

export interface StalledJob {
  id: string;
  type: string;
  tenant: string;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
}

const SYSTEM = 'system';

/**
 * One round of a worker (ADR 018), in ONE statement and so one commit:
 * 1. running → succeeded for the runs in `$5` (json array of {ord, id, token, info}; `$6` its
 *    length), each with its 'succeeded' event. Only rows still `running` under their run token
 *    change; the others (a cancel arrived, or the run lost the job) are not returned.
 * 2. claims the first `cardinality($1)` ready pending jobs in claim order (exactly the jobs
 *    `position` 1..n names, minus rows other workers hold); the i-th gets the i-th run token of
 *    `$1`, one 'started' event each. `$2` worker id, `$3` lease ms, `$4` per-type attempt limits.
 *    Claim-ahead: the first `$7` (`next`, locked SKIP LOCKED like any claim) are claimed whatever
 *    their type; the i-th after them only while jobs 1..i are all of the types in `$8` (short
 *    handlers here) and the jobs after `next` would keep an attempt if this worker died before
 *    running them (attempts + 1 < their limit: a job claimed ahead may wait, and a crash costs
 *    it an attempt it never used), so claiming stops, in order, at the first job that may be
 *    long or is on its last attempt. Those candidates are read WITHOUT a lock (`peek`) and only
 *    the prefix that is claimed is locked (`ahead`; read committed re-checks its WHERE on a row
 *    another worker changed meanwhile): a job behind it is never held by a claim that leaves it.
 *    The 'next' row tells how many ready jobs the claim saw.
 * The two parts touch disjoint rows (running vs pending). `LIMIT $6` tells the planner the real
 * row count of `$5` (it assumes 100 for a set-returning function), so rows are found by key.
 *
 * The round without claim-ahead (no short handlers, or `$7` = `cardinality($1)`) leaves out the
 * candidate, peek and lock-the-prefix steps and `$8`: they cost every round even when they claim
 * nothing (one-attempt types went from ~2,200 to ~1,900 completed jobs/s with them).
 */
/** A job whose tenant has no concurrency limit, or whose limited tenant this round holds with room left. */
const TENANT_ADMITTED = `(tenant NOT IN (SELECT tenant FROM limits) OR tenant IN (SELECT tenant FROM gated WHERE room > 0))`;
/** Of a limited tenant, a round claims at most its room (k: the job's rank among its tenant's in this round). */
const WITHIN_ROOM = `c.k <= COALESCE((SELECT g.room FROM gated g WHERE g.tenant = c.tenant), c.k)`;

function roundSql(withClaimAhead: boolean): string {
  const claimSteps = withClaimAhead
    ? `  ), peek AS (
    SELECT id, type, tenant, attempts, max_attempts, moved_to_top_at, priority, queue_seq FROM job_queue.job
    WHERE status = 'pending' AND (run_after IS NULL OR run_after <= clock_timestamp()) AND ${TENANT_ADMITTED}
    ORDER BY ${CLAIM_ORDER} LIMIT CASE WHEN cardinality($1::uuid[]) > $7 THEN cardinality($1::uuid[]) ELSE 0 END
  ), candidates AS (
    SELECT id, sure, bool_and(ok) OVER w AS ok, row_number() OVER w AS k FROM (
      SELECT id, true AS sure, type = ANY($8::text[]) AS ok, moved_to_top_at, priority, queue_seq FROM next
      UNION ALL
      SELECT id, false, type = ANY($8::text[]) AND attempts + 1 < COALESCE(($4::jsonb ->> type)::int, max_attempts),
             moved_to_top_at, priority, queue_seq
      FROM peek WHERE id NOT IN (SELECT id FROM next)
    ) u WINDOW w AS (ORDER BY ${CLAIM_ORDER} ROWS UNBOUNDED PRECEDING)
  ), ahead AS (
    -- By key (= ANY of an array): an IN (subquery) let the planner walk every pending row.
    SELECT j.id, j.tenant, j.moved_to_top_at, j.priority, j.queue_seq FROM job_queue.job j
    WHERE j.id = ANY (ARRAY(
      SELECT id FROM candidates WHERE NOT sure AND ok ORDER BY k LIMIT cardinality($1::uuid[]) - (SELECT count(*) FROM next)
    )) AND j.status = 'pending' AND (j.run_after IS NULL OR j.run_after <= clock_timestamp())
    FOR UPDATE OF j SKIP LOCKED
  ), ranked AS (
    SELECT id, row_number() OVER (ORDER BY ${CLAIM_ORDER}) AS n FROM (
      SELECT u.*, row_number() OVER (PARTITION BY tenant ORDER BY ${CLAIM_ORDER}) AS k FROM (
        SELECT id, tenant, moved_to_top_at, priority, queue_seq FROM next
        UNION ALL
        SELECT id, tenant, moved_to_top_at, priority, queue_seq FROM ahead
      ) u
    ) c WHERE ${WITHIN_ROOM}
`
    : `  ), ranked AS (
    SELECT id, row_number() OVER (ORDER BY ${CLAIM_ORDER}) AS n FROM (
      SELECT next.*, row_number() OVER (PARTITION BY tenant ORDER BY ${CLAIM_ORDER}) AS k FROM next
    ) c WHERE ${WITHIN_ROOM}
`;
  // The configured default of maxConcurrentJobs: the parameter after the variant's last one.
  const defaultLimit = withClaimAhead ? '$9' : '$8';
  const seen = withClaimAhead ? 'least(cardinality($1::uuid[]), (SELECT count(*) FROM candidates))' : '(SELECT count(*) FROM next)';
  return `
  WITH input AS (
    SELECT * FROM jsonb_to_recordset($5::jsonb) AS i(ord int, id uuid, token uuid, info jsonb) LIMIT $6
  ), done AS (
    UPDATE job_queue.job j SET status = 'succeeded', completed_at = clock_timestamp(), lease_expires_at = NULL,
           output_information = input.info, error_details = NULL, updated_at = clock_timestamp()
    FROM input WHERE j.id = input.id AND j.run_token = input.token AND j.status = 'running'
    RETURNING j.id, j.type, j.tenant, j.attempts, input.ord
  ), done_ev AS (
    INSERT INTO job_queue.job_event (job_id, type, actor, data)
    SELECT id, 'succeeded', '${SYSTEM}', jsonb_build_object('attempt', attempts) FROM done ORDER BY ord
  ), limits AS MATERIALIZED (
    -- Tenants with a concurrency limit (their own, else the default) and work waiting (ADR 052).
    SELECT t.tenant, COALESCE(t.max_concurrent_jobs, ${defaultLimit}::int) AS lim FROM job_queue.tenant_queue t
    WHERE (t.max_concurrent_jobs > 0 OR (t.max_concurrent_jobs IS NULL AND ${defaultLimit}::int > 0))
      AND EXISTS (SELECT 1 FROM job_queue.job w WHERE w.tenant = t.tenant AND w.status = 'pending')
  ), gated AS MATERIALIZED (
    -- One round at a time claims for a limited tenant (others skip it until this one commits), so
    -- its running count plus this round's claims never pass the limit, however many workers race.
    -- (running_count reads with a fresh snapshot: the runs a round that held the lock just committed count)
    SELECT l.tenant, l.lim - job_queue.running_count(l.tenant) AS room
    FROM limits l WHERE pg_try_advisory_xact_lock(${TENANT_CLAIM_LOCK_CLASS}, hashtext(l.tenant))
  ), next AS (
    SELECT id, type, tenant, moved_to_top_at, priority, queue_seq FROM job_queue.job
    WHERE status = 'pending' AND (run_after IS NULL OR run_after <= clock_timestamp()) AND ${TENANT_ADMITTED}
    ORDER BY ${CLAIM_ORDER} LIMIT $7 FOR UPDATE SKIP LOCKED
${claimSteps}  ), tokens AS (
    SELECT token, n FROM unnest($1::uuid[]) WITH ORDINALITY AS t(token, n)
  ), instant AS (
    SELECT clock_timestamp() AS at
  ), claimed AS (
    UPDATE job_queue.job j SET status = 'running', run_token = tokens.token, worker_id = $2, attempts = j.attempts + 1,
           max_attempts = COALESCE(($4::jsonb ->> j.type)::int, j.max_attempts),
           lease_expires_at = instant.at + make_interval(secs => $3::double precision / 1000),
           started_at = instant.at + make_interval(secs => (ranked.n - 1) / 1000000.0),
           queue_seq = NULL, moved_to_top_at = NULL, run_after = NULL, updated_at = instant.at
    FROM ranked JOIN tokens ON tokens.n = ranked.n CROSS JOIN instant
    WHERE j.id = ranked.id
    RETURNING j.id, j.tenant, j.type, j.payload, j.principal, j.attempts, j.max_attempts, j.checkpoint, j.submitted_at,
              j.started_at, j.run_token, j.stalls, j.trace_context, ranked.n
  ), claimed_ev AS (
    INSERT INTO job_queue.job_event (job_id, type, actor, data)
    SELECT id, 'started', '${SYSTEM}', jsonb_build_object('attempt', attempts, 'maxAttempts', max_attempts, 'worker', $2::text)
    FROM claimed ORDER BY n
  )
  SELECT 'claimed' AS part, id, tenant, type, payload, principal, attempts, max_attempts, checkpoint, submitted_at, started_at, run_token,
         stalls, trace_context, n
  FROM claimed
  UNION ALL
  SELECT 'succeeded', id, tenant, type, NULL::jsonb, NULL::jsonb, attempts, NULL::int, NULL::jsonb, NULL::timestamptz, NULL::timestamptz, NULL::uuid,
         NULL::int, NULL::jsonb, ord
  FROM done
  UNION ALL
  SELECT 'next', NULL::uuid, NULL, NULL, NULL::jsonb, NULL::jsonb, NULL::int, NULL::int, NULL::jsonb, NULL::timestamptz, NULL::timestamptz, NULL::uuid,
         NULL::int, NULL::jsonb, ${seen}
  ORDER BY part, n`;
}

const ROUND_SQL = roundSql(true);
const PLAIN_ROUND_SQL = roundSql(false);

const ROUND_STATEMENT = 'job-queue.round.v5';
const PLAIN_ROUND_STATEMENT = 'job-queue.round-plain.v3';

export interface SuccessInput {
  jobId: string;
  runToken: string;
  outputInformation: Record<string, unknown> | null;
}

export interface RoundResult {
  /** The runs of the round that are now `succeeded` (the others need `finish`). */
  succeeded: Map<string, FinishResult>;
  /** The jobs claimed, in claim order. */
  claimed: ClaimedJob[];
  /** Ready jobs the claim saw (at most the number of run tokens); fewer means the queue had no more. */
  seen: number;
}

/** Claim-ahead (ADR 018): beyond the first `sure` jobs, claim only while every job so far is of a `shortTypes` type. */
export interface ClaimAhead {
  sure: number;
  shortTypes: string[];
}

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
          '-c enable_seqscan=off -c enable_bitmapscan=off -c enable_hashjoin=off -c enable_mergejoin=off' +
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

  /** scheduled → pending for every job whose time has come (never before: Postgres' clock decides). */
  async promoteDue(limit = 500): Promise<number> {
    assertTransition(JobStatus.Scheduled, JobStatus.Pending);
    const { rows } = await this.pool.query<{ n: string }>(
      `WITH due AS (
         SELECT id FROM job_queue.job WHERE status = 'scheduled' AND scheduled_for <= clock_timestamp()
         ORDER BY scheduled_for LIMIT $1 FOR UPDATE SKIP LOCKED
       ), promoted AS (
         UPDATE job_queue.job j SET status = 'pending', queue_seq = job_queue.fair_seq(job_queue.take_rounds(j.tenant, 1)),
                moved_to_top_at = NULL, updated_at = clock_timestamp()
         FROM due WHERE j.id = due.id RETURNING j.id, j.scheduled_for
       ), ev AS (
         INSERT INTO job_queue.job_event (job_id, type, actor, data)
         SELECT id, 'due', '${SYSTEM}', jsonb_build_object('scheduledFor', scheduled_for) FROM promoted
       )
       SELECT count(*) AS n FROM promoted`,
      [limit],
    );
    return Number(rows[0].n);
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
    await this.roundPool(true).query({ name: ROUND_STATEMENT, text: ROUND_SQL, values: [[], workerId, 1000, '{}', '[]', 0, 0, [], 0] });
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
        : { name: ROUND_STATEMENT, text: ROUND_SQL, values: [...values, ahead.shortTypes, this.config.jobTenantMaxConcurrentJobs] },
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
    const { rows } = await this.relaxed.query<{ status: JobStatus }>(
      `UPDATE job_queue.job SET lease_expires_at = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
       WHERE id = $1 AND run_token = $2 AND status IN ('running', 'cancelling') RETURNING status`,
      [jobId, runToken, leaseMs],
    );
    return rows[0]?.status ?? null;
  }

  async progress(jobId: string, runToken: string, processed: number, total: number | null, leaseMs: number): Promise<JobStatus | null> {
    const { rows } = await this.relaxed.query<{ status: JobStatus }>(
      `UPDATE job_queue.job SET progress_processed = $3, progress_total = $4,
              lease_expires_at = clock_timestamp() + make_interval(secs => $5::double precision / 1000), updated_at = clock_timestamp()
       WHERE id = $1 AND run_token = $2 AND status IN ('running', 'cancelling') RETURNING status`,
      [jobId, runToken, Math.max(0, Math.floor(processed)), total === null ? null : Math.floor(total), leaseMs],
    );
    return rows[0]?.status ?? null;
  }

  /** The fenced checkpoint write; `$1` job id, `$2` run token, `$3` state (json). */
  static readonly PROGRESS_SQL = `UPDATE job_queue.job SET progress_processed = $3, progress_total = $4, updated_at = clock_timestamp()
     WHERE id = $1 AND run_token = $2 AND status IN ('running', 'cancelling')`;

  static readonly CHECKPOINT_SQL = `UPDATE job_queue.job SET checkpoint = $3::jsonb, updated_at = clock_timestamp()
     WHERE id = $1 AND run_token = $2 AND status IN ('running', 'cancelling')`;

  async checkpoint(jobId: string, runToken: string, state: Record<string, unknown>): Promise<boolean> {
    const result = await this.pool.query(JobRunStore.CHECKPOINT_SQL, [jobId, runToken, JSON.stringify(state)]);
    return (result.rowCount ?? 0) > 0;
  }

  async ownerStatus(jobId: string, runToken: string): Promise<JobStatus | null> {
    const { rows } = await this.pool.query<{ status: JobStatus }>(
      `SELECT status FROM job_queue.job WHERE id = $1 AND run_token = $2`,
      [jobId, runToken],
    );
    return rows[0]?.status ?? null;
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
      const owner = await client.query(
        `SELECT 1 FROM job_queue.job WHERE id = $1 AND run_token = $2 AND status IN ('running', 'cancelling') FOR SHARE`,
        [jobId, runToken],
      );
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
      const effective: RunOutcome = current.status === JobStatus.Cancelling ? { kind: 'cancelled' } : outcome;
      const base = { type: current.type, tenant: current.tenant, attempts: current.attempts };
      switch (effective.kind) {
        case 'succeeded':
          return this.end(client, jobId, current.status, JobStatus.Succeeded, 'succeeded', {
            ...base,
            outputInformation: effective.outputInformation,
            errorDetails: null,
          });
        case 'failed':
          return this.end(client, jobId, current.status, JobStatus.Failed, 'failed', {
            ...base,
            outputInformation: effective.outputInformation,
            errorDetails: effective.errorDetails,
          });
        case 'cancelled':
          await client.query(`DELETE FROM job_queue.job_file WHERE job_id = $1`, [jobId]);
          return this.end(client, jobId, current.status, JobStatus.Cancelled, 'cancelled', {
            ...base,
            outputInformation: null,
            errorDetails: null,
          });
        case 'retry':
          await this.requeue(client, jobId, current.status, {
            runAfterMs: effective.delayMs,
            event: 'retrying',
            data: { attempt: current.attempts, error: effective.errorDetails, delayMs: effective.delayMs },
            errorDetails: effective.errorDetails,
          });
          return { ...base, status: JobStatus.Pending, outputInformation: null, errorDetails: effective.errorDetails };
        case 'release':
          // Stopped by shutdown before finishing: this run does not count as an attempt.
          await this.requeue(client, jobId, current.status, {
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
    const { rows } = await this.pool.query<{ type: string; tenant: string; attempts: number }>(
      `WITH done AS (
         UPDATE job_queue.job SET status = 'succeeded', completed_at = clock_timestamp(), lease_expires_at = NULL,
                output_information = $3::jsonb, error_details = NULL, updated_at = clock_timestamp()
         WHERE id = $1 AND run_token = $2 AND status = 'running'
         RETURNING id, type, tenant, attempts
       ), ev AS (
         INSERT INTO job_queue.job_event (job_id, type, actor, data)
         SELECT id, 'succeeded', '${SYSTEM}', jsonb_build_object('attempt', attempts) FROM done
       )
       SELECT type, tenant, attempts FROM done`,
      [jobId, runToken, outputInformation === null ? null : JSON.stringify(outputInformation)],
    );
    if (!rows[0]) return null;
    return { ...rows[0], status: JobStatus.Succeeded, outputInformation, errorDetails: null };
  }

  private async end(
    client: PoolClient,
    jobId: string,
    from: JobStatus,
    to: JobStatus,
    event: string,
    result: Omit<FinishResult, 'status'>,
  ): Promise<FinishResult> {
    assertTransition(from, to);
    await client.query(
      `UPDATE job_queue.job SET status = $2, completed_at = clock_timestamp(), lease_expires_at = NULL,
              output_information = $3::jsonb, error_details = $4, updated_at = clock_timestamp()
       WHERE id = $1`,
      [jobId, to, result.outputInformation === null ? null : JSON.stringify(result.outputInformation), result.errorDetails],
    );
    await client.query(`INSERT INTO job_queue.job_event (job_id, type, actor, data) VALUES ($1, $2, $3, $4)`, [
      jobId,
      event,
      SYSTEM,
      JSON.stringify({ attempt: result.attempts, ...(result.errorDetails ? { error: result.errorDetails } : {}) }),
    ]);
    return { ...result, status: to };
  }

  private async requeue(
    client: PoolClient,
    jobId: string,
    from: JobStatus,
    opts: { runAfterMs: number; event: string; data: Record<string, unknown>; errorDetails?: string; attemptsDelta?: number },
  ): Promise<void> {
    assertTransition(from, JobStatus.Pending);
    // The event is stamped with the instant the backoff counts from, so `retrying.at + delayMs`
    // is exactly the earliest time the next run may start (a claim checks run_after).
    const { rows } = await client.query<{ enqueue_seq: number; run_after: Date | null; at: string }>(
      `UPDATE job_queue.job j SET status = 'pending', run_token = NULL, lease_expires_at = NULL, worker_id = NULL,
              queue_seq = job_queue.fair_seq(job_queue.take_rounds(j.tenant, 1)), moved_to_top_at = NULL,
              run_after = CASE WHEN $2::int > 0 THEN instant.at + make_interval(secs => $2::double precision / 1000) END,
              attempts = GREATEST(0, j.attempts + $3), error_details = COALESCE($4, j.error_details),
              enqueue_seq = j.enqueue_seq + 1, updated_at = instant.at
       FROM (SELECT clock_timestamp() AS at) instant
       WHERE j.id = $1 RETURNING j.enqueue_seq, j.run_after, instant.at::text AS at`,
      [jobId, Math.round(opts.runAfterMs), opts.attemptsDelta ?? 0, opts.errorDetails ?? null],
    );
    // (as text: a JS Date would drop the microseconds)
    await client.query(`INSERT INTO job_queue.job_event (job_id, type, actor, data, at) VALUES ($1, $2, $3, $4, $5::timestamptz)`, [
      jobId,
      opts.event,
      SYSTEM,
      JSON.stringify(opts.data),
      rows[0].at,
    ]);
    await client.query(
      `INSERT INTO job_queue.outbox (job_id, message_id, available_at) VALUES ($1, $2, COALESCE($3, clock_timestamp()))`,
      [jobId, `${jobId}.${rows[0].enqueue_seq}`, rows[0].run_after],
    );
    await client.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
  }

  /**
   * Runs whose worker is gone: its process died (its liveness lock is free, ADR 041: seen within
   * one reconcile tick) or it stopped responding (its lease expired). Each goes back to the
   * queue to resume from its last checkpoint, WITHOUT using up an attempt (a crash is not the
   * job's failure); `stalls` counts these, and a job that stalls more than `maxStalls` times
   * fails with that reason. A job being cancelled ends cancelled. Workers found dead whose runs
   * are all recovered are deregistered.
   */
  async recoverStalled(limit = 100, maxStalls = 3, selfWorkerId: string | null = null): Promise<Array<StalledJob & { outcome: JobStatus }>> {
    return withPgTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{
        id: string; type: string; tenant: string; status: JobStatus; attempts: number; max_attempts: number; stalls: number; lease_expired: boolean;
      }>(
        `SELECT j.id, j.type, j.tenant, j.status, j.attempts, j.max_attempts, j.stalls, j.lease_expires_at < clock_timestamp() AS lease_expired
           FROM job_queue.job j
          WHERE j.status IN ('running', 'cancelling')
            AND (j.lease_expires_at < clock_timestamp() OR j.worker_id IN (${deadWorkersSql('$2', '$3')}))
          ORDER BY j.lease_expires_at LIMIT $1 FOR UPDATE OF j SKIP LOCKED`,
        [limit, WORKER_LOCK_CLASS, selfWorkerId],
      );
      const recovered: Array<StalledJob & { outcome: JobStatus }> = [];
      for (const row of rows) {
        const job: StalledJob = { id: row.id, type: row.type, tenant: row.tenant, status: row.status, attempts: row.attempts, maxAttempts: row.max_attempts };
        const cause = row.lease_expired
          ? 'the worker stopped responding (lease expired)'
          : 'the worker process is gone (its liveness lock was released)';
        const stalls = row.stalls + 1;
        await client.query(`UPDATE job_queue.job SET stalls = $2 WHERE id = $1`, [row.id, stalls]);
        if (row.status === JobStatus.Cancelling) {
          await client.query(`DELETE FROM job_queue.job_file WHERE job_id = $1`, [row.id]);
          await client.query(`UPDATE job_queue.job SET run_token = NULL WHERE id = $1`, [row.id]);
          await this.end(client, row.id, row.status, JobStatus.Cancelled, 'cancelled', {
            type: row.type,
            tenant: row.tenant,
            attempts: row.attempts,
            outputInformation: null,
            errorDetails: null,
          });
          recovered.push({ ...job, outcome: JobStatus.Cancelled });
        } else if (stalls > maxStalls) {
          const reason =
            `The job stalled ${stalls} times: each time ${cause.replace(/^the worker/, 'the worker running it')}; ` +
            `more than the ${maxStalls} stalls allowed (JOB_MAX_STALLS), so it is not run again`;
          await client.query(`UPDATE job_queue.job SET run_token = NULL WHERE id = $1`, [row.id]);
          await this.end(client, row.id, row.status, JobStatus.Failed, 'failed', {
            type: row.type,
            tenant: row.tenant,
            attempts: row.attempts,
            outputInformation: null,
            errorDetails: reason,
          });
          recovered.push({ ...job, outcome: JobStatus.Failed });
        } else {
          await this.requeue(client, row.id, row.status, {
            runAfterMs: 0,
            event: 'stalled',
            // The attempt is given back: the next run is the same attempt again.
            attemptsDelta: -1,
            data: { attempt: row.attempts, stall: stalls, reason: `${cause}; resuming from the last checkpoint` },
          });
          recovered.push({ ...job, outcome: JobStatus.Pending });
        }
      }
      await client.query(
        `DELETE FROM job_queue.worker w WHERE w.id IN (${deadWorkersSql('$1', '$2')})
            AND NOT EXISTS (SELECT 1 FROM job_queue.job j WHERE j.worker_id = w.id AND j.status IN ('running', 'cancelling'))`,
        [WORKER_LOCK_CLASS, selfWorkerId],
      );
      return recovered;
    });
  }

  /** Pending jobs that could be taken now. */
  async readyPendingCount(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM job_queue.job WHERE status = 'pending' AND (run_after IS NULL OR run_after <= clock_timestamp())`,
    );
    return Number(rows[0].n);
  }

  /**
   * Adds `count` wake-up messages (for the jobs at the head of the queue) through the outbox,
   * one message each (`coalesce = false`): they stand in for messages Redis lost.
   */
  async enqueueWakeups(count: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `WITH head AS (
         SELECT id FROM job_queue.job WHERE status = 'pending' AND (run_after IS NULL OR run_after <= clock_timestamp())
         ORDER BY ${CLAIM_ORDER} LIMIT $1
       ), bumped AS (
         UPDATE job_queue.job j SET enqueue_seq = j.enqueue_seq + 1 FROM head WHERE j.id = head.id RETURNING j.id, j.enqueue_seq
       ), ob AS (
         INSERT INTO job_queue.outbox (job_id, message_id, coalesce) SELECT id, id || '.' || enqueue_seq, false FROM bumped
       )
       SELECT count(*) AS n, pg_notify('${OUTBOX_CHANNEL}', '') FROM bumped`,
      [count],
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Terminal jobs completed before the cutoff, and soft-deleted ones: hard-deleted (events and
   * file rows cascade). Returns every BullMQ message id each job may have had: a job's wake-ups
   * are `<id>.<k>` for k = 1..enqueue_seq (every bump of enqueue_seq writes one outbox row), and
   * any of them may still sit in Redis (kept completed messages, a delayed wake-up of a job
   * rescheduled or cancelled before it was due, the reconciler's top-ups). Ids that were merged
   * away (ADR 018) simply do not exist, and removing them is a no-op.
   */
  async purge(olderThanMs: number, limit = 500): Promise<Array<{ id: string; messageIds: string[] }>> {
    const { rows } = await this.pool.query<{ id: string; enqueue_seq: number }>(
      `DELETE FROM job_queue.job WHERE id IN (
         SELECT id FROM job_queue.job
         WHERE status = 'deleted'
            OR (status IN ('succeeded', 'failed', 'cancelled') AND completed_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000))
         LIMIT $2 FOR UPDATE SKIP LOCKED
       ) RETURNING id, enqueue_seq`,
      [olderThanMs, limit],
    );
    return rows.map((r) => ({ id: r.id, messageIds: Array.from({ length: r.enqueue_seq }, (_, k) => `${r.id}.${k + 1}`) }));
  }
}

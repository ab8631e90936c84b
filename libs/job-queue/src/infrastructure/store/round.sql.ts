import { JobStatus } from '../../public/enums/job-status';
import { CLAIM_ORDER, keyedStatusIs, TENANT_CLAIM_LOCK_CLASS } from '../persistence/job-sql';
import { SYSTEM } from './run-transitions';

/**
 * One round of a worker (ADR 018), in ONE statement and so one commit:
 * 1. running → succeeded for the runs in `$5` (json array of {ord, id, token, info}; `$6` its
 *    length), each with its 'succeeded' event. Only rows still `running` under their run token
 *    change; the others (a cancel arrived, or the run lost the job) are not returned.
 * 2. claims the first `cardinality($1)` ready pending jobs in claim order (exactly the jobs
 *    `position` 1..n names, minus rows other workers hold); the i-th gets the i-th run token of
 *    `$1`, by subscript (a join with `unnest($1)` ran the function once per claimed row: work
 *    that grew with the square of the round's size), one 'started' event each. `$2` worker id,
 *    `$3` lease ms, `$4` per-type attempt limits.
 *    Claim-ahead: the first `$7` (`next`, locked SKIP LOCKED like any claim) are claimed whatever
 *    their type; the i-th after them only while jobs 1..i are all of the types in `$8` (short
 *    handlers here) and the jobs after `next` would not be failed by stall recovery if this
 *    worker died before running them (stalls < `$10`, JOB_MAX_STALLS: a job claimed ahead may
 *    wait, and a crash costs it a stall, never an attempt, ADR 041 and ADR 094), so claiming
 *    stops, in order, at the first job that may be long or has no stall to spare. Those candidates are read WITHOUT a lock (`peek`) and only
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
    SELECT id, type, tenant, stalls, moved_to_top_at, priority, queue_seq FROM job_queue.job
    WHERE status = 'pending' AND (run_after IS NULL OR run_after <= clock_timestamp()) AND ${TENANT_ADMITTED}
    ORDER BY ${CLAIM_ORDER} LIMIT CASE WHEN cardinality($1::uuid[]) > $7 THEN cardinality($1::uuid[]) ELSE 0 END
  ), candidates AS (
    SELECT id, sure, bool_and(ok) OVER w AS ok, row_number() OVER w AS k FROM (
      SELECT id, true AS sure, type = ANY($8::text[]) AS ok, moved_to_top_at, priority, queue_seq FROM next
      UNION ALL
      SELECT id, false, type = ANY($8::text[]) AND stalls < $10::int,
             moved_to_top_at, priority, queue_seq
      FROM peek WHERE id NOT IN (SELECT id FROM next)
    ) u WINDOW w AS (ORDER BY ${CLAIM_ORDER} ROWS UNBOUNDED PRECEDING)
  ), ahead AS (
    -- By key (= ANY of an array): an IN (subquery) let the planner walk every pending row.
    SELECT j.id, j.tenant, j.moved_to_top_at, j.priority, j.queue_seq FROM job_queue.job j
    WHERE j.id = ANY (ARRAY(
      SELECT id FROM candidates WHERE NOT sure AND ok ORDER BY k LIMIT cardinality($1::uuid[]) - (SELECT count(*) FROM next)
    )) AND ${keyedStatusIs('j.status', [JobStatus.Pending])} AND (j.run_after IS NULL OR j.run_after <= clock_timestamp())
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
  WITH RECURSIVE input AS (
    SELECT * FROM jsonb_to_recordset($5::jsonb) AS i(ord int, id uuid, token uuid, info jsonb) LIMIT $6
  ), done AS (
    UPDATE job_queue.job j SET status = 'succeeded', completed_at = clock_timestamp(), lease_expires_at = NULL,
           output_information = input.info, error_details = NULL, updated_at = clock_timestamp()
    FROM input WHERE j.id = input.id AND j.run_token = input.token AND ${keyedStatusIs('j.status', [JobStatus.Running])}
    RETURNING j.id, j.type, j.tenant, j.attempts, input.ord
  ), done_ev AS (
    INSERT INTO job_queue.job_event (job_id, type, actor, data)
    SELECT id, 'succeeded', '${SYSTEM}', jsonb_build_object('attempt', attempts) FROM done ORDER BY ord
  ), waiting_tenants AS (
    -- With a default limit: the tenants with pending jobs, one index probe each (a loose scan of
    -- job_pending_tenant_idx), instead of every tenant ever seen (ADR 085).
    SELECT min(tenant) AS tenant FROM job_queue.job WHERE status = 'pending' AND ${defaultLimit}::int > 0
    UNION ALL
    SELECT (SELECT min(w.tenant) FROM job_queue.job w WHERE w.status = 'pending' AND w.tenant > p.tenant)
    FROM waiting_tenants p WHERE p.tenant IS NOT NULL
  ), limits AS MATERIALIZED (
    -- Tenants with a concurrency limit (their own, else the default) and work waiting (ADR 052).
    -- What this reads follows the limited tenants with work, never the backlog or every tenant
    -- (ADR 085): tenants with a limit of their own come from a partial index and are probed for
    -- one pending job each (a scalar subquery with LIMIT 1; as an EXISTS the planner could turn
    -- it into a join over every pending job); the default applies to the tenants with pending
    -- jobs that have no setting of their own (0 of their own: unlimited).
    SELECT t.tenant, t.max_concurrent_jobs AS lim FROM job_queue.tenant_queue t
    WHERE t.max_concurrent_jobs > 0
      AND (SELECT true FROM job_queue.job w WHERE w.tenant = t.tenant AND w.status = 'pending' LIMIT 1)
    UNION ALL
    SELECT p.tenant, ${defaultLimit}::int FROM waiting_tenants p
    WHERE ${defaultLimit}::int > 0 AND p.tenant IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM job_queue.tenant_queue o WHERE o.tenant = p.tenant AND o.max_concurrent_jobs IS NOT NULL)
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
${claimSteps}  ), instant AS (
    SELECT clock_timestamp() AS at
  ), claimed AS (
    UPDATE job_queue.job j SET status = 'running', run_token = ($1::uuid[])[ranked.n], worker_id = $2, attempts = j.attempts + 1,
           max_attempts = COALESCE(($4::jsonb ->> j.type)::int, j.max_attempts),
           lease_expires_at = instant.at + make_interval(secs => $3::double precision / 1000),
           started_at = instant.at + make_interval(secs => (ranked.n - 1) / 1000000.0),
           queue_seq = NULL, moved_to_top_at = NULL, run_after = NULL, updated_at = instant.at
    FROM ranked CROSS JOIN instant
    WHERE j.id = ranked.id AND ranked.n <= cardinality($1::uuid[])
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

export const ROUND_SQL = roundSql(true);
export const PLAIN_ROUND_SQL = roundSql(false);

export const ROUND_STATEMENT = 'job-queue.round.v9';
export const PLAIN_ROUND_STATEMENT = 'job-queue.round-plain.v7';

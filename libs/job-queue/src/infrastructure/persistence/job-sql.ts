import type { PrincipalData } from '@porter/shared-kernel';
import type { JobStatus } from '../../public/enums/job-status';
import type { JobEvent } from '../../public/entities/job-event';
import type { StoredJobFile } from '../../public/dependencies/job-handler.dependency';
import type { JobRecord } from '../../application/ports/job.repository.port';

/** Channel the relays LISTEN on; notified (on commit) by every transaction that writes the outbox. */
export const OUTBOX_CHANNEL = 'porter_job_queue_outbox';

/**
 * The order in which workers take pending jobs (smaller = taken sooner): moved-to-top jobs
 * first (the latest move first), then higher priority, then first in. The round statement
 * claims in this order and `job_pending_order_idx` is keyed on it, so `position` is exactly
 * the order of taking. It is a total order on pending jobs (queue_seq is unique).
 */
export const CLAIM_ORDER = `(moved_to_top_at IS NULL), moved_to_top_at DESC, priority DESC, queue_seq`;

/**
 * The status test of a statement that finds jobs by key (`id = $1`, `id = ANY(…)`, a join on
 * id), ADR 086: `status COLLATE "C" IN (…)`. The job table has partial indexes on status
 * (pending, running, scheduled, terminal), and their sizes in the planner's statistics are those
 * of the last VACUUM or ANALYZE. On a table of mostly finished jobs that is close to 0 rows, so a
 * plain `status = 'running'` let the planner pick the partial index over the primary key and read
 * every running (or pending) job to find one: a heartbeat, finish or round then cost O(jobs in
 * that status). Compared under "C" (the same answer for these ASCII words), the test no longer
 * implies any partial index's predicate, and the primary key is the only index left.
 * `statuses`: the statuses the job may have, or an SQL expression holding one (a parameter, `$2`).
 */
export function keyedStatusIs(column: string, statuses: readonly JobStatus[] | string): string {
  if (typeof statuses === 'string') return `${column} COLLATE "C" = ${statuses}`;
  return `${column} COLLATE "C" IN (${statuses.map((s) => `'${s}'`).join(', ')})`;
}

const OUTPUT_FILES = (x: string): string =>
  `COALESCE((SELECT array_agg(f.name ORDER BY f.created_at, f.name) FROM job_queue.job_file f WHERE f.job_id = ${x}.id), '{}') AS output_files`;

/**
 * `position` (pending jobs only) is 1 + the number of pending jobs a worker takes before this
 * one (CLAIM_ORDER), counting every pending job, including those waiting out a retry backoff.
 *
 * One job's position is counted through indexes instead of evaluating the order for every
 * pending job (ADR 068). Almost every pending job was never moved to the top: for those, "ahead
 * of j" is every moved job plus two ranges of `job_pending_unmoved_idx` (priority DESC,
 * queue_seq): a higher priority, and the same priority with a smaller queue_seq. The few moved
 * jobs are counted in `job_pending_order_idx`, whose first key `(moved_to_top_at IS NULL)`
 * puts them first; `(...) IS FALSE` is written so that it stays that key (a NOT would be
 * rewritten to `moved_to_top_at IS NOT NULL`, which bounds no scan of the index).
 */
const MOVED = (x: string): string => `${x}.status = 'pending' AND (${x}.moved_to_top_at IS NULL) IS FALSE`;
const UNMOVED = (x: string): string => `${x}.status = 'pending' AND ${x}.moved_to_top_at IS NULL`;

/** The position of pending job `j` that was moved to the top: 1 + the few moved jobs ahead of it. */
const movedPosition = (j: string): string => `1
      + (SELECT count(*) FROM job_queue.job o WHERE ${MOVED('o')} AND o.moved_to_top_at > ${j}.moved_to_top_at)
      + (SELECT count(*) FROM job_queue.job o WHERE ${MOVED('o')} AND o.moved_to_top_at = ${j}.moved_to_top_at
           AND (o.priority > ${j}.priority OR (o.priority = ${j}.priority AND o.queue_seq < ${j}.queue_seq)))`;

/** The position of pending job `j` (null for any other status). */
const pendingPosition = (j: string): string => `
    CASE WHEN ${j}.status <> 'pending' THEN NULL
    WHEN ${j}.moved_to_top_at IS NULL THEN 1
      + (SELECT count(*) FROM job_queue.job o WHERE ${MOVED('o')})
      + (SELECT count(*) FROM job_queue.job o WHERE ${UNMOVED('o')} AND o.priority > ${j}.priority)
      + (SELECT count(*) FROM job_queue.job o WHERE ${UNMOVED('o')} AND o.priority = ${j}.priority AND o.queue_seq < ${j}.queue_seq)
    ELSE ${movedPosition(j)}
    END`;

/**
 * Most jobs counted behind a job before its position is taken from the window instead
 * (positionFromBack).
 */
export const BEHIND_COUNT_MAX = 256;

/**
 * The position of pending job `s` of a page, counted from the back of the queue: every pending
 * job (`pending`, counted once per statement) less the jobs a worker takes after `s`. Jobs behind
 * an unmoved job are unmoved ones only (moved jobs are all taken first): those of a lower
 * priority and those of its priority submitted later, two ranges of `job_pending_unmoved_idx`.
 * For the newest jobs of a list (the back of the queue, where a first page of the newest jobs
 * usually is) both ranges hold a few entries, where counting what is ahead reads nearly the whole
 * queue for each job. Each range is counted up to BEHIND_COUNT_MAX entries: a job further from the
 * back (a high-priority job behind a backlog) takes its position from `queue`, the window over
 * every pending job, which is then computed once for the statement (a CTE is only evaluated when
 * read). A moved job counts the few moved jobs ahead of it (movedPosition). `s` must
 * carry queue_seq and moved_to_top_at.
 */
const positionFromBack = (s: string): string => {
  const capped = (condition: string) =>
    `(SELECT count(*) FROM (SELECT 1 FROM job_queue.job o WHERE ${UNMOVED('o')} AND ${condition} LIMIT ${BEHIND_COUNT_MAX}) x)`;
  return `
    CASE WHEN ${s}.status <> 'pending' THEN NULL
    WHEN ${s}.moved_to_top_at IS NULL THEN (
      SELECT CASE WHEN b.lower < ${BEHIND_COUNT_MAX} AND b.later < ${BEHIND_COUNT_MAX} THEN (SELECT n FROM pending) - b.lower - b.later
        ELSE (SELECT q.position FROM queue q WHERE q.id = ${s}.id) END
      FROM (SELECT ${capped(`o.priority < ${s}.priority`)} AS lower,
        ${capped(`o.priority = ${s}.priority AND o.queue_seq > ${s}.queue_seq`)} AS later
        OFFSET 0) b)
    ELSE ${movedPosition(s)}
    END`;
};

/**
 * The columns a job's read (GET /jobs/{id}, GET /jobs) shows: not its payload, checkpoint or
 * trace context, which only commands and runs need (and which can be large to parse).
 */
export const JOB_INFO_COLUMNS = [
  'id', 'tenant', 'type', 'name', 'description', 'status', 'priority', 'principal', 'submitted_by', 'submitted_at', 'updated_at',
  'scheduled_for', 'started_at', 'completed_at', 'attempts', 'max_attempts', 'stalls', 'progress_processed', 'progress_total',
  'output_information', 'error_details', 'moved_to_top_at',
].map((c) => `j.${c}`).join(', ');

/**
 * One job (`where` filters `job_queue.job j` and names it by id), with its position; `join`
 * puts a relation before the job (`… JOIN `), whose columns `where` may use to name several.
 */
export function selectOneJob(where: string, columns = 'j.*', join = ''): string {
  return `
  SELECT ${columns}, ${pendingPosition('j')} AS position,
    ${OUTPUT_FILES('j')}
  FROM ${join}job_queue.job j ${join ? 'ON' : 'WHERE'} ${where}`;
}

/** Every pending job with its position. */
const RANK_PENDING = `SELECT id, row_number() OVER (ORDER BY ${CLAIM_ORDER}) AS position FROM job_queue.job WHERE status = 'pending'`;

/**
 * Every pending job's position, ranked by ONE window over `job_pending_order_idx` (keyed on
 * CLAIM_ORDER and including id, so the window reads that index in its order: no sort and no
 * table row; ADR 068). MATERIALIZED computes it once whatever join the planner picks (without
 * statistics it picks a nested loop, which would rescan a plain subquery once per row); it only
 * runs when `selected` holds a pending job.
 */
const pendingWindow = (selected: string): string => `queue AS MATERIALIZED (
    ${RANK_PENDING} AND EXISTS (SELECT 1 FROM ${selected} WHERE ${selected}.status = 'pending')
  )`;

/**
 * A page of jobs (`where` filters `job_queue.job j`), newest first (`direction` DESC) or oldest
 * first (ASC) by submission, with their positions from one window over the pending jobs (see
 * pendingWindow): a per-row count cost O(pending × rows), ~2 s for a page of 1,000 with 10,000
 * jobs waiting (~50 ms this way). `positions` 'from-back' counts each pending job's position from
 * the back of the queue instead (positionFromBack), for a first page of the newest jobs: with
 * 4,400 jobs waiting the statement took half the time of the window's. `positions` 'none': the
 * rows come with a null position, for a caller that ranks the pending jobs of several pages at once
 * (PENDING_POSITIONS_SQL).
 *
 * `byKeyFirst` (a deep page): the page's rows are found by key first (`page`), then read
 * (`selected`). In the default order the list index holds every key the filters and the order need
 * (tenant, submitter, submitted_at, id, status, type), so the rows before the offset are counted
 * off the index alone and only the page's own rows are read from the table; reading whole rows
 * while walking to the offset read a table row per skipped row (ADR 092). A first page reads its
 * rows directly: the extra key lookups would cost it more than the walk.
 */
export function selectJobPage(
  where: string,
  offset: string,
  limit: string,
  direction: 'ASC' | 'DESC' = 'DESC',
  orderColumn = 'submitted_at',
  columns = 'j.*',
  positions: PagePositions = 'window',
  byKeyFirst = false,
): string {
  // Counted from the back, a row needs its place in the claim order (moved_to_top_at is one of
  // JOB_INFO_COLUMNS; queue_seq is not).
  const read = positions === 'from-back' && columns !== 'j.*' ? `${columns}, j.queue_seq` : columns;
  const selected = byKeyFirst
    ? `page AS (
    SELECT j.id FROM job_queue.job j WHERE ${where}
    ORDER BY j.${orderColumn} ${direction}, j.id ${direction} OFFSET ${offset} LIMIT ${limit}
  ), selected AS (
    SELECT ${read} FROM page JOIN job_queue.job j ON j.id = page.id
  )`
    : `selected AS (
    SELECT ${read} FROM job_queue.job j WHERE ${where}
    ORDER BY j.${orderColumn} ${direction}, j.id ${direction} OFFSET ${offset} LIMIT ${limit}
  )`;
  const order = `ORDER BY s.${orderColumn} ${direction}, s.id ${direction}`;
  if (positions === 'from-back') {
    return `
  WITH ${selected}, queue AS MATERIALIZED (${RANK_PENDING}),
  pending AS MATERIALIZED (SELECT count(*) AS n FROM job_queue.job WHERE status = 'pending')
  SELECT s.*, ${positionFromBack('s')} AS position, ${OUTPUT_FILES('s')}
  FROM selected s
  ${order}`;
  }
  const ranked = positions === 'window';
  return `
  WITH ${selected}${ranked ? `, ${pendingWindow('selected')}` : ''}
  SELECT s.*, ${ranked ? 'queue.position' : 'NULL::bigint AS position'}, ${OUTPUT_FILES('s')}
  FROM selected s${ranked ? ' LEFT JOIN queue ON queue.id = s.id' : ''}
  ${order}`;
}

/** How a page's pending jobs get their positions (selectJobPage). */
export type PagePositions = 'window' | 'from-back' | 'none';

/**
 * Several jobs named by a relation (`join`, as in selectOneJob), ranked by one window over the
 * pending jobs instead of a count per row: a read batch of many pending jobs costs one pass over
 * the pending index, not one per job.
 */
export function selectRankedJobs(where: string, columns: string, join: string): string {
  return `
  WITH selected AS (
    SELECT ${columns} FROM ${join}job_queue.job j ON ${where}
  ), ${pendingWindow('selected')}
  SELECT s.*, queue.position, ${OUTPUT_FILES('s')}
  FROM selected s LEFT JOIN queue ON queue.id = s.id`;
}

/** The positions of the pending jobs among `$1` (ids), from one window over every pending job. */
export const PENDING_POSITIONS_SQL = `SELECT q.id, q.position FROM (${RANK_PENDING}) q WHERE q.id = ANY ($1::uuid[])`;

export interface JobRow {
  id: string;
  tenant: string;
  type: string;
  name: string | null;
  description: string | null;
  status: JobStatus;
  position: string | number | null;
  priority: number;
  payload: Record<string, unknown>;
  principal: PrincipalData;
  submitted_by: string;
  submitted_at: Date;
  updated_at: Date;
  scheduled_for: Date | null;
  started_at: Date | null;
  completed_at: Date | null;
  attempts: number;
  max_attempts: number;
  stalls: number;
  progress_processed: string | number;
  progress_total: string | number | null;
  output_information: Record<string, unknown> | null;
  output_files: string[] | null;
  error_details: string | null;
  checkpoint: Record<string, unknown> | null;
  run_token: string | null;
}

export function toJobRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    type: row.type,
    name: row.name,
    description: row.description,
    status: row.status,
    position: row.position === null || row.position === undefined ? null : Number(row.position),
    priority: row.priority,
    payload: row.payload ?? {},
    principal: row.principal,
    submittedBy: row.submitted_by,
    submittedAt: row.submitted_at,
    updatedAt: row.updated_at,
    scheduledFor: row.scheduled_for,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    stalls: row.stalls ?? 0,
    progressProcessed: Number(row.progress_processed),
    progressTotal: row.progress_total === null ? null : Number(row.progress_total),
    outputInformation: row.output_information,
    outputFiles: row.output_files ?? [],
    errorDetails: row.error_details,
  };
}

export function toJobEvent(row: { type: string; at: Date; actor: string; data: Record<string, unknown> }): JobEvent {
  return { type: row.type, at: row.at.toISOString(), actor: row.actor, data: row.data ?? {} };
}

export function toJobFile(row: {
  name: string;
  size_bytes: string | number;
  content_type: string;
  sha256: string;
  storage_key: string;
  created_at: Date;
}): StoredJobFile {
  return {
    name: row.name,
    kind: 'output',
    sizeBytes: Number(row.size_bytes),
    contentType: row.content_type,
    sha256: row.sha256,
    storageKey: row.storage_key,
    createdAt: row.created_at.toISOString(),
  };
}

/** Storage keys of a job's files share this prefix, so purge removes strays of dead runs too. */
export const jobFilesPrefix = (jobId: string): string => `job-queue/${jobId}`;
/** Where a job's attachments live, inside its prefix: purge and delete remove them, cleaning a run's outputs never does. */
export const jobAttachmentsPrefix = (jobId: string): string => `${jobFilesPrefix(jobId)}/attachments`;

/**
 * Worker liveness (ADR 041). Each worker process holds the session advisory lock
 * (WORKER_LOCK_CLASS, hashtext(worker id)) on a connection of its own for as long as it lives;
 * Postgres releases it the moment that session ends (process killed: at once; host cut off: when
 * TCP keepalives give up, about 10 s). DEAD_WORKERS_SQL lists registered workers whose lock is
 * free: taking it with an xact lock proves nobody holds it, and the lock is let go at commit.
 * `lockClass` and `self` name the parameters holding WORKER_LOCK_CLASS and the asking process's own
 * worker id (never dead: it is asking; null in a process that runs no jobs).
 *
 * A live worker's lock is also free for a moment when its session ends while its process lives on
 * (Postgres restarted, a network blip): it reconnects within about a second (WorkerLiveness) and
 * takes its lock again, clearing `lock_free_since`. So a free lock is first noted
 * (MARK_FREE_WORKER_LOCKS_SQL, `lock_free_since`), and a worker is dead only once its lock has
 * been free for `grace` ms (QA: every Postgres restart stalled every running job, and five restarts
 * in a row failed an export for good). `grace` names the parameter holding it.
 */
export const WORKER_LOCK_CLASS = 0x504f5254; // 'PORT'
/** How long a worker's lock must stay free before its process is taken for dead (ms). */
export const WORKER_RELOCK_GRACE_MS = 4000;
export const MARK_FREE_WORKER_LOCKS_SQL = `UPDATE job_queue.worker w SET lock_free_since = clock_timestamp()
  WHERE w.lock_free_since IS NULL AND w.id IS DISTINCT FROM $2::text AND pg_try_advisory_xact_lock($1::int, hashtext(w.id))`;
export const deadWorkersSql = (lockClass: string, self: string, grace: string) =>
  `SELECT w.id FROM job_queue.worker w WHERE w.id IS DISTINCT FROM ${self}::text
     AND w.lock_free_since <= clock_timestamp() - make_interval(secs => ${grace}::int / 1000.0)
     AND pg_try_advisory_xact_lock(${lockClass}::int, hashtext(w.id))`;

/** Advisory lock class of "a claim round is taking jobs of this limited tenant" (ADR 052), keyed by hashtext(tenant). */
export const TENANT_CLAIM_LOCK_CLASS = 0x504f5255;

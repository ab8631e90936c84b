import type { Pool } from 'pg';
import { withPgTransaction } from '@porter/platform';
import { JobStatus } from '../../public/enums/job-status';
import { assertTransition } from '../../domain/job-state-machine';
import { CLAIM_ORDER, OUTBOX_CHANNEL } from '../persistence/job-sql';
import { SYSTEM } from './run-transitions';

/** The queue's own upkeep, run by the reconciler and the purge loop (not by runs): due jobs, wake-ups, purge. */
/** scheduled → pending for every job whose time has come (never before: Postgres' clock decides). */
export async function promoteDue(pool: Pool, limit = 500): Promise<number> {
  assertTransition(JobStatus.Scheduled, JobStatus.Pending);
  const { rows } = await pool.query<{ n: string }>(
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

/** Pending jobs that could be taken now. */
export async function readyPendingCount(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM job_queue.job WHERE status = 'pending' AND (run_after IS NULL OR run_after <= clock_timestamp())`,
  );
  return Number(rows[0].n);
}

/**
 * Adds `count` wake-up messages (for the jobs at the head of the queue) through the outbox,
 * one message each (`coalesce = false`): they stand in for messages Redis lost.
 */
export async function enqueueWakeups(pool: Pool, count: number): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
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

/** A job the purge deleted: what its owner module needs to hear (JobPurged) and its queue messages' ids. */
export interface PurgedJob {
  id: string;
  type: string;
  tenant: string;
  messageIds: string[];
}

/**
 * Terminal jobs completed before the cutoff, and soft-deleted ones: hard-deleted with their events
 * (events have no foreign key, ADR 099; file rows cascade). Returns every BullMQ message id each job
 * may have had: a job's wake-ups are `<id>.<k>` for k = 1..enqueue_seq (every bump of enqueue_seq
 * writes one outbox row), and any of them may still sit in Redis (kept completed messages, a
 * delayed wake-up of a job rescheduled or cancelled before it was due, the reconciler's top-ups).
 * Ids that were merged away (ADR 018) simply do not exist, and removing them is a no-op.
 *
 * The events go in a second statement of the same transaction: it sees an event committed after
 * the first statement began (a user's delete of that job), which the first one's snapshot would
 * not. No event can come after it: every event is written under its job's row lock or by the
 * statement that updates the job, and the job is gone once this transaction commits.
 */
export async function purge(pool: Pool, olderThanMs: number, limit = 500): Promise<PurgedJob[]> {
  return withPgTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string; enqueue_seq: number; type: string; tenant: string }>(
      `DELETE FROM job_queue.job WHERE id IN (
         SELECT id FROM job_queue.job
         WHERE status = 'deleted'
            OR (status IN ('succeeded', 'failed', 'cancelled') AND completed_at < clock_timestamp() - make_interval(secs => $1::double precision / 1000))
         LIMIT $2 FOR UPDATE SKIP LOCKED
       ) RETURNING id, enqueue_seq, type, tenant`,
      [olderThanMs, limit],
    );
    if (rows.length) await client.query(`DELETE FROM job_queue.job_event WHERE job_id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
    return rows.map((r) => ({ id: r.id, type: r.type, tenant: r.tenant, messageIds: Array.from({ length: r.enqueue_seq }, (_, k) => `${r.id}.${k + 1}`) }));
  });
}

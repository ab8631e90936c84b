import type { PoolClient } from 'pg';
import { SYSTEM_USER_ID } from '@porter/shared-kernel';
import { JobStatus } from '../../public/enums/job-status';
import { assertTransition } from '../../domain/job-state-machine';
import { OUTBOX_CHANNEL } from '../persistence/job-sql';
import type { FinishResult } from './run-store.types';

/** The actor of the events the engine writes itself. */
export const SYSTEM = SYSTEM_USER_ID;

/** Ends a run's job in `to` (a terminal status) with its event, inside the caller's transaction. */
export async function endRun(
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

/** Puts a job back in the queue (its tenant's next round) with its event and a new wake-up, inside the caller's transaction. */
export async function requeueRun(
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

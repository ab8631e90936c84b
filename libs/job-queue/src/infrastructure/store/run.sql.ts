import { JobStatus } from '../../public/enums/job-status';
import { keyedStatusIs } from '../persistence/job-sql';
import { SYSTEM } from './run-transitions';

/**
 * The statements of a run that find its job by key (id and run token), fenced: each changes or
 * reads the job only while the run still owns it. Their status tests are written for the primary
 * key (ADR 086).
 */

/** A run still owns its job: running, or cancelling while it stops. */
const OWNED = keyedStatusIs('status', [JobStatus.Running, JobStatus.Cancelling]);

/** Extends the lease of run `$2` on job `$1` by `$3` ms; returns the status. */
export const HEARTBEAT_SQL = `UPDATE job_queue.job SET lease_expires_at = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
   WHERE id = $1 AND run_token = $2 AND ${OWNED} RETURNING status`;

/** Progress `$3` of `$4` with a lease extension of `$5` ms; returns the status. */
export const PROGRESS_LEASE_SQL = `UPDATE job_queue.job SET progress_processed = $3, progress_total = $4,
          lease_expires_at = clock_timestamp() + make_interval(secs => $5::double precision / 1000), updated_at = clock_timestamp()
   WHERE id = $1 AND run_token = $2 AND ${OWNED} RETURNING status`;

/** Run `$2` still owns job `$1` (and keeps it so until the transaction ends). */
export const OWNER_SQL = `SELECT 1 FROM job_queue.job WHERE id = $1 AND run_token = $2 AND ${OWNED} FOR SHARE`;

/** running → succeeded for run `$2` of job `$1` with output `$3`, and its event; returns type, tenant, attempts. */
export const SUCCEED_SQL = `WITH done AS (
     UPDATE job_queue.job SET status = 'succeeded', completed_at = clock_timestamp(), lease_expires_at = NULL,
            output_information = $3::jsonb, error_details = NULL, updated_at = clock_timestamp()
     WHERE id = $1 AND run_token = $2 AND ${keyedStatusIs('status', [JobStatus.Running])}
     RETURNING id, type, tenant, attempts
   ), ev AS (
     INSERT INTO job_queue.job_event (job_id, type, actor, data)
     SELECT id, 'succeeded', '${SYSTEM}', jsonb_build_object('attempt', attempts) FROM done
   )
   SELECT type, tenant, attempts FROM done`;

/** Progress `$3` of `$4`, written with a checkpoint (run-context.ts). */
export const PROGRESS_SQL = `UPDATE job_queue.job SET progress_processed = $3, progress_total = $4, updated_at = clock_timestamp()
   WHERE id = $1 AND run_token = $2 AND ${OWNED}`;

/** The fenced checkpoint write: `$3` the state (json). */
export const CHECKPOINT_SQL = `UPDATE job_queue.job SET checkpoint = $3::jsonb, updated_at = clock_timestamp()
   WHERE id = $1 AND run_token = $2 AND ${OWNED}`;

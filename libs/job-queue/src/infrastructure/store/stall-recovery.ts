import type { Pool } from 'pg';
import { withPgTransaction } from '@porter/platform';
import { JobStatus } from '../../public/enums/job-status';
import { deadWorkersSql, MARK_FREE_WORKER_LOCKS_SQL, WORKER_LOCK_CLASS, WORKER_RELOCK_GRACE_MS } from '../persistence/job-sql';
import { endRun, requeueRun } from './run-transitions';
import type { StalledJob } from './run-store.types';

/**
 * Runs whose worker is gone: its process died (its liveness lock is free, ADR 041: seen within
 * one reconcile tick) or it stopped responding (its lease expired). Each goes back to the
 * queue to resume from its last checkpoint, WITHOUT using up an attempt (a crash is not the
 * job's failure); `stalls` counts these, and a job that stalls more than `maxStalls` times
 * fails with that reason. A job being cancelled ends cancelled. Workers found dead whose runs
 * are all recovered are deregistered.
 */
export async function recoverStalledRuns(
pool: Pool,
limit = 100,
maxStalls = 3,
selfWorkerId: string | null = null,
relockGraceMs = WORKER_RELOCK_GRACE_MS,
): Promise<Array<StalledJob & { outcome: JobStatus }>> {
  return withPgTransaction(pool, async (client) => {
    // Free locks are noted first; a worker is dead once its lock has stayed free for the grace.
    await client.query(MARK_FREE_WORKER_LOCKS_SQL, [WORKER_LOCK_CLASS, selfWorkerId]);
    const { rows } = await client.query<{
      id: string; type: string; tenant: string; status: JobStatus; attempts: number; max_attempts: number; stalls: number; lease_expired: boolean;
    }>(
      `SELECT j.id, j.type, j.tenant, j.status, j.attempts, j.max_attempts, j.stalls, j.lease_expires_at < clock_timestamp() AS lease_expired
         FROM job_queue.job j
        WHERE j.status IN ('running', 'cancelling')
          AND (j.lease_expires_at < clock_timestamp() OR j.worker_id IN (${deadWorkersSql('$2', '$3', '$4')}))
        ORDER BY j.lease_expires_at LIMIT $1 FOR UPDATE OF j SKIP LOCKED`,
      [limit, WORKER_LOCK_CLASS, selfWorkerId, relockGraceMs],
    );
    const recovered: Array<StalledJob & { outcome: JobStatus }> = [];
    for (const row of rows) {
      const job: StalledJob = { id: row.id, type: row.type, tenant: row.tenant, status: row.status, attempts: row.attempts, maxAttempts: row.max_attempts };
      const cause = row.lease_expired
        ? 'the worker stopped responding (lease expired)'
        : 'the worker process is gone (its liveness lock was released)';
      const causeOfJob = row.lease_expired
        ? 'the worker running it stopped responding (lease expired)'
        : 'the worker process running it is gone (its liveness lock was released)';
      const stalls = row.stalls + 1;
      await client.query(`UPDATE job_queue.job SET stalls = $2 WHERE id = $1`, [row.id, stalls]);
      if (row.status === JobStatus.Cancelling) {
        await client.query(`DELETE FROM job_queue.job_file WHERE job_id = $1`, [row.id]);
        await client.query(`UPDATE job_queue.job SET run_token = NULL WHERE id = $1`, [row.id]);
        await endRun(client, row.id, row.status, JobStatus.Cancelled, 'cancelled', {
          type: row.type,
          tenant: row.tenant,
          attempts: row.attempts,
          outputInformation: null,
          errorDetails: null,
        });
        recovered.push({ ...job, outcome: JobStatus.Cancelled });
      } else if (stalls > maxStalls) {
        const reason =
          `The job stalled ${stalls} times, the last time because ${causeOfJob}; ` +
          `more than the ${maxStalls} stalls allowed (JOB_MAX_STALLS), so it is not run again`;
        await client.query(`UPDATE job_queue.job SET run_token = NULL WHERE id = $1`, [row.id]);
        await endRun(client, row.id, row.status, JobStatus.Failed, 'failed', {
          type: row.type,
          tenant: row.tenant,
          attempts: row.attempts,
          outputInformation: null,
          errorDetails: reason,
        });
        recovered.push({ ...job, outcome: JobStatus.Failed });
      } else {
        await requeueRun(client, row.id, row.status, {
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
      `DELETE FROM job_queue.worker w WHERE w.id IN (${deadWorkersSql('$1', '$2', '$3')})
          AND NOT EXISTS (SELECT 1 FROM job_queue.job j WHERE j.worker_id = w.id AND j.status IN ('running', 'cancelling'))`,
      [WORKER_LOCK_CLASS, selfWorkerId, relockGraceMs],
    );
    return recovered;
  });
}

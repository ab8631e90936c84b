import type { Pool } from 'pg';
import { metric } from '@porter/platform';

/**
 * Job metrics on the process registry (/metrics). `porter_jobs` is read from Postgres at scrape
 * time (the source of truth), the others are recorded where the transitions happen.
 */
let statePool: Pool | null = null;

export function useJobStatePool(pool: Pool): void {
  statePool = pool;
}

export const jobMetrics = {
  byState: metric('gauge', {
    name: 'porter_jobs',
    help: 'Jobs by status (from Postgres, at scrape time)',
    labelNames: ['status'],
    async collect() {
      if (!statePool) return;
      const { rows } = await statePool
        .query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM job_queue.job GROUP BY status`)
        .catch(() => ({ rows: [] as Array<{ status: string; n: string }> }));
      this.reset();
      for (const row of rows) this.set({ status: row.status }, Number(row.n));
    },
  }),
  transitions: metric('counter', {
    name: 'porter_job_transitions_total',
    help: 'Job status transitions made by workers',
    labelNames: ['type', 'status'],
  }),
  failures: metric('counter', {
    name: 'porter_job_failures_total',
    help: 'Failed job runs (retried or final)',
    labelNames: ['type', 'final'],
  }),
  runDuration: metric('histogram', {
    name: 'porter_job_run_duration_seconds',
    help: 'Duration of job runs by outcome',
    labelNames: ['type', 'outcome'],
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
  }),
  wait: metric('histogram', {
    name: 'porter_job_wait_seconds',
    help: 'Time from submission to the start of the first run',
    labelNames: ['type'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30, 300],
  }),
};

import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@porter/platform';
import type { StoredTenantLimits, TenantLimitsStore } from '../../application/ports/tenant-limits.store.port';

/** Tenant limits in job_queue.tenant_queue (the row that also keeps the tenant's next round). */
@Injectable()
export class PgTenantLimitsStore implements TenantLimitsStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async get(tenant: string): Promise<StoredTenantLimits> {
    const { rows } = await this.pool.query<{ max_concurrent_jobs: number | null; max_pending_jobs: number | null }>(
      `SELECT max_concurrent_jobs, max_pending_jobs FROM job_queue.tenant_queue WHERE tenant = $1`,
      [tenant],
    );
    return { maxConcurrentJobs: rows[0]?.max_concurrent_jobs ?? null, maxPendingJobs: rows[0]?.max_pending_jobs ?? null };
  }

  async pendingOverrides(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ tenant: string; max_pending_jobs: number }>(
      `SELECT tenant, max_pending_jobs FROM job_queue.tenant_queue WHERE max_pending_jobs IS NOT NULL`,
    );
    return new Map(rows.map((r) => [r.tenant, r.max_pending_jobs]));
  }

  async set(tenant: string, limits: StoredTenantLimits): Promise<void> {
    await this.pool.query(
      `INSERT INTO job_queue.tenant_queue (tenant, max_concurrent_jobs, max_pending_jobs) VALUES ($1, $2, $3)
       ON CONFLICT (tenant) DO UPDATE SET max_concurrent_jobs = $2, max_pending_jobs = $3, updated_at = clock_timestamp()`,
      [tenant, limits.maxConcurrentJobs, limits.maxPendingJobs],
    );
  }

  async countWaiting(tenant: string, atMost: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      // Pending and scheduled jobs, each from its own partial index (ADR 102), at most $2 in all.
      `SELECT least($2, (SELECT count(*) FROM (SELECT 1 FROM job_queue.job WHERE tenant = $1 AND status = 'pending' LIMIT $2) p)
                     + (SELECT count(*) FROM (SELECT 1 FROM job_queue.job WHERE tenant = $1 AND status = 'scheduled' LIMIT $2) s))::int AS n`,
      [tenant, atMost],
    );
    return rows[0].n;
  }
}

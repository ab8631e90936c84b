import { Migration } from '@mikro-orm/migrations';

/**
 * For the worker round's limit step (ADR 085), which reads what follows the limited tenants with
 * work, never every tenant nor a tenant's whole backlog:
 * - `tenant_queue_limited_idx`: the tenants with a concurrency limit of their own (a few rows);
 * - `job_pending_tenant_idx`: pending jobs by tenant, for "has this tenant a pending job" and
 *   "the next tenant with pending jobs" in one index entry each. `job_waiting_tenant_idx` holds
 *   scheduled jobs too, which those reads would have to step over.
 */
export class Migration20261205180000JobQueueLimitedTenantsIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE INDEX tenant_queue_limited_idx ON job_queue.tenant_queue (tenant) WHERE max_concurrent_jobs > 0`);
    this.addSql(`CREATE INDEX job_pending_tenant_idx ON job_queue.job (tenant) WHERE status = 'pending'`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX job_queue.job_pending_tenant_idx`);
    this.addSql(`DROP INDEX job_queue.tenant_queue_limited_idx`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * maxPendingJobs counts a tenant's pending jobs and its scheduled ones through two partial indexes
 * (ADR 102): `job_pending_tenant_idx` (already there, ADR 085) and `job_scheduled_tenant_idx`,
 * which holds scheduled jobs only. `job_waiting_tenant_idx` held both and goes: every job that runs
 * at once wrote an entry into it and nothing else read it. Most jobs are never scheduled, so they
 * now write one index entry fewer.
 */
export class Migration20261206220000JobQueueScheduledTenantIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE INDEX IF NOT EXISTS job_scheduled_tenant_idx ON job_queue.job (tenant) WHERE status = 'scheduled'`);
    this.addSql(`DROP INDEX job_queue.job_waiting_tenant_idx`);
  }

  override async down(): Promise<void> {
    this.addSql(`CREATE INDEX job_waiting_tenant_idx ON job_queue.job (tenant) WHERE status IN ('pending', 'scheduled')`);
    this.addSql(`DROP INDEX job_queue.job_scheduled_tenant_idx`);
  }
}

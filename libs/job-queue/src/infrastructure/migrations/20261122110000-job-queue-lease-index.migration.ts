import { Migration } from '@mikro-orm/migrations';

/**
 * The lease index is keyed on "has a lease" instead of "status is running or cancelling"
 * (ADR 018): a statement that looks a running job up by id and status must go through the
 * primary key, and an index whose predicate `status = 'running'` implies is a tempting wrong
 * turn for the planner (it scans every lease entry, dead ones included, when statistics are
 * missing). Only running and cancelling jobs hold a lease, so stall recovery reads the same rows.
 */
export class Migration20261122110000JobQueueLeaseIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(`DROP INDEX IF EXISTS job_queue.job_lease_idx`);
    this.addSql(`CREATE INDEX job_lease_idx ON job_queue.job (lease_expires_at) WHERE lease_expires_at IS NOT NULL`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX IF EXISTS job_queue.job_lease_idx`);
    this.addSql(`CREATE INDEX job_lease_idx ON job_queue.job (lease_expires_at) WHERE status IN ('running','cancelling')`);
  }
}

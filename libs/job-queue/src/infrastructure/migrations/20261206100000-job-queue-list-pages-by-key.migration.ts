import { Migration } from '@mikro-orm/migrations';

/**
 * The job list's two indexes end with the page order's tie-breaker, `id DESC` (ADR 092): a page is
 * `ORDER BY submitted_at DESC, id DESC`, and with `id` in the key a deep page's rows before its
 * offset are counted off the index alone (an index-only scan, no sort), and only the page's own
 * rows are read from the table. They keep `INCLUDE (status, type)` for the list counts (ADR 087).
 * Built under new names, then swapped in, as 20261205190000 did; indexes of those names built
 * beforehand (`CREATE INDEX CONCURRENTLY`, docs/deployment.md) are used as they are.
 */
export class Migration20261206100000JobQueueListPagesByKey extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE INDEX IF NOT EXISTS job_tenant_submitted_key_idx ON job_queue.job (tenant, submitted_at DESC, id DESC) INCLUDE (status, type)`);
    this.addSql(`CREATE INDEX IF NOT EXISTS job_tenant_submitter_key_idx ON job_queue.job (tenant, submitted_by, submitted_at DESC, id DESC) INCLUDE (status, type)`);
    this.addSql(`DROP INDEX job_queue.job_tenant_submitted_idx`);
    this.addSql(`DROP INDEX job_queue.job_tenant_submitter_idx`);
    this.addSql(`ALTER INDEX job_queue.job_tenant_submitted_key_idx RENAME TO job_tenant_submitted_idx`);
    this.addSql(`ALTER INDEX job_queue.job_tenant_submitter_key_idx RENAME TO job_tenant_submitter_idx`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX job_queue.job_tenant_submitted_idx`);
    this.addSql(`DROP INDEX job_queue.job_tenant_submitter_idx`);
    this.addSql(`CREATE INDEX job_tenant_submitted_idx ON job_queue.job (tenant, submitted_at DESC) INCLUDE (status, type)`);
    this.addSql(`CREATE INDEX job_tenant_submitter_idx ON job_queue.job (tenant, submitted_by, submitted_at DESC) INCLUDE (status, type)`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The export list's index carries what its filters and permission test read (ADR 087, as for the
 * job list): `scope` and `scope_ids` (who may see a request), `type`, `status` and
 * `scheduled_for` (the list's filters). A list's `totalRecords` is then an index-only scan instead
 * of reading every listed request's table page. Built under a new name, then swapped in; an index
 * of that name built beforehand (`CREATE INDEX CONCURRENTLY`, docs/deployment.md) is used as it is.
 */
export class Migration20261205210000ExportsCoveringListIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `CREATE INDEX IF NOT EXISTS export_request_tenant_created_cov_idx ON exports.export_request (tenant, created_at DESC, id DESC)
       INCLUDE (scope, scope_ids, type, status, scheduled_for) WHERE deleted_at IS NULL`,
    );
    this.addSql(`DROP INDEX exports.export_request_tenant_created_idx`);
    this.addSql(`ALTER INDEX exports.export_request_tenant_created_cov_idx RENAME TO export_request_tenant_created_idx`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX exports.export_request_tenant_created_idx`);
    this.addSql(`CREATE INDEX export_request_tenant_created_idx ON exports.export_request (tenant, created_at DESC, id DESC) WHERE deleted_at IS NULL`);
  }
}

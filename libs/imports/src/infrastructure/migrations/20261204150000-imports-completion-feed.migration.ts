import { Migration } from '@mikro-orm/migrations';

/**
 * The transaction that completed each import record (xid8), set by the completing UPDATE, so
 * other modules can follow completions durably in commit-safe order (ListCompletedImportRecordsQuery, ADR 045).
 */
export class Migration20261204150000ImportsCompletionFeed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE imports.import_record ADD COLUMN completed_tx_id xid8 NULL`);
    this.addSql(`CREATE INDEX import_record_completion_feed_idx ON imports.import_record (completed_tx_id, id) WHERE completed_tx_id IS NOT NULL`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE imports.import_record DROP COLUMN completed_tx_id`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The failed rows of a batch, by row number (ADR 088): what `GET …/results?status=failed`, its
 * count and the failed-rows CSV read. Without it they walked every result of the batch (a
 * million-row import with a few failures read all million rows for each page). Only failed rows
 * are in it, so writing the usual, successful rows costs nothing more.
 */
export class Migration20261205200000ImportsFailedResultsIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `CREATE INDEX IF NOT EXISTS import_result_failed_idx ON imports.import_result (import_batch_id, row_number) WHERE status IN ('failed', 'partially_failed')`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX imports.import_result_failed_idx`);
  }
}

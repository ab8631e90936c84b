import { Migration } from '@mikro-orm/migrations';

/**
 * An upload's `mapping` (file header → column, or null to ignore it) as asked, and the mapping
 * the batch's header resolved to (names, aliases and that override) once its file was scanned.
 */
export class Migration20261204120000ImportsColumnMapping extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE imports.import_batch ADD COLUMN mapping jsonb NULL`);
    this.addSql(`ALTER TABLE imports.import_batch ADD COLUMN column_mapping jsonb NULL`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE imports.import_batch DROP COLUMN mapping, DROP COLUMN column_mapping`);
  }
}

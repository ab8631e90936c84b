import { Migration } from '@mikro-orm/migrations';

/**
 * The length (in characters) of a result's stored row (`source`, the JSON text of a failed row's cells), so that a
 * page of failed rows can stop at a byte budget without reading the rows it leaves out (ADR 105).
 * NULL for rows written before it and for completed rows, which keep no source; the readers
 * measure those rows themselves. Adding a nullable column rewrites nothing.
 */
export class Migration20261207100000ImportsResultSourceLength extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE imports.import_result ADD COLUMN IF NOT EXISTS source_length int NULL`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE imports.import_result DROP COLUMN source_length`);
  }
}

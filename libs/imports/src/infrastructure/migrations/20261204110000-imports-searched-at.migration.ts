import { Migration } from '@mikro-orm/migrations';

/** Destiny's `searchedAt`: when the caller ran the search that produced the imported references. */
export class Migration20261204110000ImportsSearchedAt extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE imports.import_record ADD COLUMN searched_at timestamptz NULL`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE imports.import_record DROP COLUMN searched_at`);
  }
}

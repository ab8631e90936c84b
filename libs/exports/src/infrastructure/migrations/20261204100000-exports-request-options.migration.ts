import { Migration } from '@mikro-orm/migrations';

/**
 * The second round's request options: when a request is due (`scheduled` is shown until then),
 * who made it (a person or a service account), the chosen columns, explicit ids and compression.
 * Existing rows are immediate, uncompressed, all-column requests of users.
 */
export class Migration20261204100000ExportsRequestOptions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE exports.export_request ADD COLUMN scheduled_for timestamptz NULL`);
    this.addSql(`ALTER TABLE exports.export_request ADD COLUMN requested_by_kind text NOT NULL DEFAULT 'user' CHECK (requested_by_kind IN ('user', 'app'))`);
    this.addSql(`ALTER TABLE exports.export_request ADD COLUMN columns text[] NULL`);
    this.addSql(`ALTER TABLE exports.export_request ADD COLUMN ids text[] NULL`);
    this.addSql(`ALTER TABLE exports.export_request ADD COLUMN compression text NOT NULL DEFAULT 'none' CHECK (compression IN ('none', 'gzip'))`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE exports.export_request DROP COLUMN scheduled_for, DROP COLUMN requested_by_kind, DROP COLUMN columns, DROP COLUMN ids, DROP COLUMN compression`);
  }
}

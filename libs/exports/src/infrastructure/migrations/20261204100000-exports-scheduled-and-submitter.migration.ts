import { Migration } from '@mikro-orm/migrations';

/**
 * When a request is due (`scheduled` is shown until then) and who made it: a person or a
 * service account. Existing rows are immediate requests of users.
 */
export class Migration20261204100000ExportsScheduledAndSubmitter extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE exports.export_request ADD COLUMN scheduled_for timestamptz NULL`);
    this.addSql(`ALTER TABLE exports.export_request ADD COLUMN requested_by_kind text NOT NULL DEFAULT 'user' CHECK (requested_by_kind IN ('user', 'app'))`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE exports.export_request DROP COLUMN scheduled_for, DROP COLUMN requested_by_kind`);
  }
}

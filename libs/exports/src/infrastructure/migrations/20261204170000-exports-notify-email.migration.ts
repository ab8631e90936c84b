import { Migration } from '@mikro-orm/migrations';

/** Where "email me when it is ready" goes: the requester's address when they asked (`notify.email`), else null. */
export class Migration20261204170000ExportsNotifyEmail extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE exports.export_request ADD COLUMN notify_email text NULL`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE exports.export_request DROP COLUMN notify_email`);
  }
}

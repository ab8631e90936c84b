import { Migration } from '@mikro-orm/migrations';

/** The recurring schedule that requested an export (`scheduleId`), null for one asked for directly. */
export class Migration20261206120000ExportsScheduleOrigin extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE exports.export_request ADD COLUMN schedule_id uuid NULL`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE exports.export_request DROP COLUMN schedule_id`);
  }
}

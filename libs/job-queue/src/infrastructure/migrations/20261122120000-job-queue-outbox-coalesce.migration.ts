import { Migration } from '@mikro-orm/migrations';

/**
 * `outbox.coalesce` (ADR 018): an immediate wake-up written with `true` may be merged with the
 * others of its relay batch (one BullMQ message per WAKEUP_SPAN rows), because a woken worker
 * keeps claiming until the queue is empty. The reconciler writes `false`: its wake-ups exist
 * to replace messages Redis lost, one per ready job.
 */
export class Migration20261122120000JobQueueOutboxCoalesce extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE job_queue.outbox ADD COLUMN IF NOT EXISTS coalesce boolean NOT NULL DEFAULT true`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE job_queue.outbox DROP COLUMN IF EXISTS coalesce`);
  }
}

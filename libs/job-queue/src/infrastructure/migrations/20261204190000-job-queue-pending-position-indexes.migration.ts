import { Migration } from '@mikro-orm/migrations';

/**
 * Positions of pending jobs come from indexes (ADR 068):
 * - `job_pending_unmoved_idx`: almost every pending job was never moved to the top; for those,
 *   the jobs ahead of one are two ranges of this index (a higher priority; the same priority and
 *   a smaller queue_seq), counted without reading the table;
 * - `job_pending_order_idx` (CLAIM_ORDER) now includes id, so that a list page ranks the pending
 *   jobs by reading the index in its order (no sort, no table row). Rebuilt under a new name,
 *   then renamed: claims use it throughout.
 */
export class Migration20261204190000JobQueuePendingPositionIndexes extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `CREATE INDEX IF NOT EXISTS job_pending_unmoved_idx ON job_queue.job (priority DESC, queue_seq) WHERE status = 'pending' AND moved_to_top_at IS NULL`,
    );
    this.addSql(
      `CREATE INDEX job_pending_order_with_id_idx ON job_queue.job ((moved_to_top_at IS NULL), moved_to_top_at DESC, priority DESC, queue_seq) INCLUDE (id) WHERE status = 'pending'`,
    );
    this.addSql(`DROP INDEX job_queue.job_pending_order_idx`);
    this.addSql(`ALTER INDEX job_queue.job_pending_order_with_id_idx RENAME TO job_pending_order_idx`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX IF EXISTS job_queue.job_pending_unmoved_idx`);
    this.addSql(
      `CREATE INDEX job_pending_order_without_id_idx ON job_queue.job ((moved_to_top_at IS NULL), moved_to_top_at DESC, priority DESC, queue_seq) WHERE status = 'pending'`,
    );
    this.addSql(`DROP INDEX job_queue.job_pending_order_idx`);
    this.addSql(`ALTER INDEX job_queue.job_pending_order_without_id_idx RENAME TO job_pending_order_idx`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * The id of the transaction that wrote each job event (`pg_current_xact_id()`, a 64-bit xid8), so
 * other modules can follow terminal transitions durably (ListJobTransitionsQuery, ADR 045): in
 * (tx_id, id) order, up to the oldest transaction still running, no event is ever skipped — a
 * bigserial id alone is handed out before commit, so a reader could pass a lower id still to
 * commit. Rows written before this migration keep NULL and are not followed.
 */
export class Migration20261204150000JobQueueEventFeed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE job_queue.job_event ADD COLUMN tx_id xid8 NULL`);
    this.addSql(`ALTER TABLE job_queue.job_event ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id()`);
    this.addSql(
      `CREATE INDEX job_event_terminal_feed_idx ON job_queue.job_event (tx_id, id) WHERE tx_id IS NOT NULL AND type IN ('succeeded', 'failed', 'cancelled')`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX job_queue.job_event_terminal_feed_idx`);
    this.addSql(`ALTER TABLE job_queue.job_event DROP COLUMN tx_id`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/** The W3C trace context of the request that submitted a job, continued by its runs (ADR 049). */
export class Migration20261204150000JobQueueTraceContext extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE job_queue.job ADD COLUMN trace_context jsonb`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE job_queue.job DROP COLUMN trace_context`);
  }
}

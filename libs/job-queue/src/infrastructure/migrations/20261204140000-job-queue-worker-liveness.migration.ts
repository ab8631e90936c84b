import { Migration } from '@mikro-orm/migrations';

/**
 * Worker liveness (ADR 041): each worker process registers here and holds a session advisory
 * lock keyed by its id for as long as its process (and its database connection) lives. A run
 * whose registered worker's lock is free belongs to a dead process and is recovered at once,
 * without waiting for its lease. `stalls` counts such recoveries apart from `attempts`.
 */
export class Migration20261204140000JobQueueWorkerLiveness extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE job_queue.worker (
        id text PRIMARY KEY,
        host text NOT NULL,
        pid integer NOT NULL,
        started_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    this.addSql(`ALTER TABLE job_queue.job ADD COLUMN stalls integer NOT NULL DEFAULT 0`);
  }

  override async down(): Promise<void> {
    this.addSql(`ALTER TABLE job_queue.job DROP COLUMN stalls`);
    this.addSql(`DROP TABLE job_queue.worker`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * A job's events no longer check their job through a foreign key (ADR 099). Each event is written
 * by the statement (or under the row lock of the transaction) that wrote its job, so the check
 * could never fail, yet it cost every event a trigger and a row lock on the job (a WAL record):
 * 13 % of Postgres' CPU per job on the queue benchmark. The purge, which hard-deletes jobs,
 * deletes their events in a second statement of its transaction instead of through the cascade.
 * Down: events left by jobs deleted meanwhile outside the purge are removed first.
 */
export class Migration20261206200000JobQueueEventsWithoutForeignKey extends Migration {
  override async up(): Promise<void> {
    this.addSql(`ALTER TABLE job_queue.job_event DROP CONSTRAINT job_event_job_id_fkey`);
  }

  override async down(): Promise<void> {
    this.addSql(`DELETE FROM job_queue.job_event e WHERE NOT EXISTS (SELECT 1 FROM job_queue.job j WHERE j.id = e.job_id)`);
    this.addSql(
      `ALTER TABLE job_queue.job_event ADD CONSTRAINT job_event_job_id_fkey FOREIGN KEY (job_id) REFERENCES job_queue.job (id) ON DELETE CASCADE`,
    );
  }
}

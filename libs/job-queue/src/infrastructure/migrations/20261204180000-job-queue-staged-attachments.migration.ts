import { Migration } from '@mikro-orm/migrations';

/**
 * Every attachment object written to storage is first noted here, before its bytes are written;
 * the note goes when the attachment's row is written (with its job, or added to one) or when the
 * object is discarded. A note that outlives STORAGE_TMP_MAX_AGE_MS marks an object no job owns (the
 * process died between storing a request's files and submitting its job): the purge deletes it.
 */
export class Migration20261204180000JobQueueStagedAttachments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE job_queue.staged_attachment (
        storage_key text PRIMARY KEY,
        job_id uuid NOT NULL,
        staged_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    this.addSql(`CREATE INDEX staged_attachment_age_idx ON job_queue.staged_attachment (staged_at)`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE job_queue.staged_attachment`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/**
 * Files a caller attaches to a job's request (a template, notes: Granta's job request files).
 * Kept apart from the output files (job_file), which runs replace and cancels drop: an
 * attachment stays with its job until the job is deleted or purged.
 */
export class Migration20261204130000JobQueueAttachments extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE job_queue.job_attachment (
        job_id uuid NOT NULL REFERENCES job_queue.job (id) ON DELETE CASCADE,
        name text NOT NULL,
        content_type text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        storage_key text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (job_id, name)
      )`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE job_queue.job_attachment`);
  }
}

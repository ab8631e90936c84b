import { Migration } from '@mikro-orm/migrations';

/** The imports module's own schema: records, their batches (uploaded files) and per-row results. */
export class Migration20261122300000ImportsSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE SCHEMA IF NOT EXISTS imports`);
    this.addSql(`
      CREATE TABLE imports.import_record (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        created_by text NOT NULL,
        type text NOT NULL,
        source_name text NOT NULL,
        processor_name text NULL,
        processor_version text NULL,
        notes text NULL,
        search_string text NULL,
        expected_reference_count integer NOT NULL DEFAULT -1,
        dry_run boolean NOT NULL DEFAULT false,
        on_error text NOT NULL DEFAULT 'continue',
        status text NOT NULL DEFAULT 'created',
        finalized_at timestamptz NULL,
        completed_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT import_record_status_ck CHECK (status IN ('created', 'started', 'completed')),
        CONSTRAINT import_record_on_error_ck CHECK (on_error IN ('continue', 'abort'))
      )`);
    this.addSql(`CREATE INDEX import_record_tenant_created_idx ON imports.import_record (tenant, created_at DESC)`);
    this.addSql(`
      CREATE TABLE imports.import_batch (
        id uuid PRIMARY KEY,
        import_record_id uuid NOT NULL REFERENCES imports.import_record (id) ON DELETE CASCADE,
        tenant text NOT NULL,
        job_id uuid NULL,
        file_name text NULL,
        format text NOT NULL,
        sheet text NULL,
        storage_key text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        forced boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'created',
        header jsonb NULL,
        rows_in_file integer NULL,
        last_row integer NOT NULL DEFAULT 0,
        count_completed integer NOT NULL DEFAULT 0,
        count_failed integer NOT NULL DEFAULT 0,
        count_partially_failed integer NOT NULL DEFAULT 0,
        count_pending integer NOT NULL DEFAULT 0,
        run_token text NULL,
        error_details text NULL,
        aborted boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz NULL,
        completed_at timestamptz NULL,
        CONSTRAINT import_batch_status_ck CHECK (status IN ('created', 'started', 'failed', 'partially_failed', 'completed')),
        CONSTRAINT import_batch_format_ck CHECK (format IN ('csv', 'xlsx', 'jsonl'))
      )`);
    this.addSql(`CREATE INDEX import_batch_record_idx ON imports.import_batch (import_record_id, created_at)`);
    this.addSql(`CREATE INDEX import_batch_job_idx ON imports.import_batch (job_id)`);
    // The same file twice in one record is refused (409) unless forced; the index makes the
    // check race-free.
    this.addSql(`CREATE UNIQUE INDEX import_batch_record_sha_uq ON imports.import_batch (import_record_id, sha256) WHERE NOT forced`);
    // One result per (batch, row): the primary key itself enforces exactly-once results. The
    // public uuid is not indexed (results are read by batch) and there is no foreign key (no
    // per-row trigger): results are written in bulk, a million at a time, and go with their batch.
    this.addSql(`
      CREATE TABLE imports.import_result (
        import_batch_id uuid NOT NULL,
        row_number integer NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        status text NOT NULL,
        reference_id text NULL,
        failure_details text NULL,
        source jsonb NULL,
        PRIMARY KEY (import_batch_id, row_number),
        CONSTRAINT import_result_status_ck CHECK (status IN ('created', 'started', 'completed', 'partially_failed', 'failed', 'retrying'))
      )`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP SCHEMA IF EXISTS imports CASCADE`);
  }
}

import { Migration } from '@mikro-orm/migrations';

/** The exports module's own schema: requests (one per export) and results (one file per request). */
export class Migration20261122200000ExportsSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE SCHEMA IF NOT EXISTS exports`);
    this.addSql(`
      CREATE TABLE exports.export_request (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        requested_by text NOT NULL,
        type text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('global', 'local')),
        format text NOT NULL CHECK (format IN ('csv', 'xlsx', 'jsonl')),
        name text NULL,
        filters jsonb NOT NULL DEFAULT '{}'::jsonb,
        scope_ids text[] NOT NULL DEFAULT '{}',
        status text NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
        outcome text NULL CHECK (outcome IN ('success', 'empty', 'failed')),
        job_id uuid NOT NULL,
        items_count integer NULL,
        error_message text NULL,
        idempotency_key text NULL,
        request_fingerprint text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        processed_at timestamptz NULL,
        deleted_at timestamptz NULL
      )`);
    // Idempotency keys are per caller: two users may pick the same key independently.
    this.addSql(`CREATE UNIQUE INDEX export_request_idempotency_uq ON exports.export_request (tenant, requested_by, idempotency_key) WHERE idempotency_key IS NOT NULL`);
    this.addSql(`CREATE UNIQUE INDEX export_request_job_uq ON exports.export_request (job_id)`);
    this.addSql(`CREATE INDEX export_request_tenant_created_idx ON exports.export_request (tenant, created_at DESC, id DESC) WHERE deleted_at IS NULL`);
    this.addSql(`
      CREATE TABLE exports.export_result (
        id uuid PRIMARY KEY,
        export_request_id uuid NOT NULL UNIQUE REFERENCES exports.export_request (id),
        tenant text NOT NULL,
        type text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('global', 'local')),
        format text NOT NULL,
        scope_ids text[] NOT NULL DEFAULT '{}',
        outcome text NOT NULL CHECK (outcome IN ('success', 'empty')),
        file_name text NOT NULL,
        content_type text NOT NULL,
        storage_key text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        items_count integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        expired_at timestamptz NULL,
        download_count integer NOT NULL DEFAULT 0,
        first_downloaded_at timestamptz NULL,
        last_downloaded_at timestamptz NULL
      )`);
    this.addSql(`CREATE INDEX export_result_expiry_idx ON exports.export_result (expires_at) WHERE expired_at IS NULL`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP SCHEMA IF EXISTS exports CASCADE`);
  }
}

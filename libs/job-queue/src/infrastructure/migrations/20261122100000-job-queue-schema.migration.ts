import { Migration } from '@mikro-orm/migrations';

/**
 * The job-queue schema. Postgres is the source of truth for every job; Redis only carries
 * wake-up messages. `queue_seq` orders pending jobs (assigned each time a job enters `pending`),
 * `run_token` fences every write of a run, `lease_expires_at` is how a dead worker is noticed.
 */
export class Migration20261122100000JobQueueSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE SCHEMA IF NOT EXISTS job_queue`);
    this.addSql(`CREATE SEQUENCE job_queue.queue_seq`);
    this.addSql(`
      CREATE TABLE job_queue.job (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        type text NOT NULL,
        name text NULL,
        description text NULL,
        status text NOT NULL CHECK (status IN ('scheduled','pending','running','cancelling','succeeded','failed','cancelled','deleted')),
        priority integer NOT NULL DEFAULT 0,
        queue_seq bigint NULL,
        moved_to_top_at timestamptz NULL,
        payload jsonb NOT NULL DEFAULT '{}'::jsonb,
        principal jsonb NOT NULL,
        submitted_by text NOT NULL,
        submitted_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        scheduled_for timestamptz NULL,
        run_after timestamptz NULL,
        started_at timestamptz NULL,
        completed_at timestamptz NULL,
        attempts integer NOT NULL DEFAULT 0,
        max_attempts integer NOT NULL,
        run_token uuid NULL,
        lease_expires_at timestamptz NULL,
        worker_id text NULL,
        progress_processed bigint NOT NULL DEFAULT 0,
        progress_total bigint NULL,
        checkpoint jsonb NULL,
        output_information jsonb NULL,
        error_details text NULL,
        idempotency_key text NULL,
        enqueue_seq integer NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        deleted_at timestamptz NULL
      )`);
    this.addSql(
      `CREATE UNIQUE INDEX job_idempotency_uq ON job_queue.job (tenant, type, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    // Exactly the claim order (see JobRunStore.claim): moved-to-top first (latest move first), then priority, then FIFO.
    this.addSql(
      `CREATE INDEX job_pending_order_idx ON job_queue.job ((moved_to_top_at IS NULL), moved_to_top_at DESC, priority DESC, queue_seq) WHERE status = 'pending'`,
    );
    this.addSql(`CREATE INDEX job_tenant_submitted_idx ON job_queue.job (tenant, submitted_at DESC)`);
    this.addSql(`CREATE INDEX job_tenant_submitter_idx ON job_queue.job (tenant, submitted_by, submitted_at DESC)`);
    this.addSql(`CREATE INDEX job_scheduled_idx ON job_queue.job (scheduled_for) WHERE status = 'scheduled'`);
    this.addSql(`CREATE INDEX job_lease_idx ON job_queue.job (lease_expires_at) WHERE status IN ('running','cancelling')`);
    this.addSql(
      `CREATE INDEX job_terminal_idx ON job_queue.job (completed_at) WHERE status IN ('succeeded','failed','cancelled','deleted')`,
    );
    this.addSql(`
      CREATE TABLE job_queue.job_event (
        id bigserial PRIMARY KEY,
        job_id uuid NOT NULL REFERENCES job_queue.job (id) ON DELETE CASCADE,
        type text NOT NULL,
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    this.addSql(`CREATE INDEX job_event_job_idx ON job_queue.job_event (job_id, id)`);
    this.addSql(`
      CREATE TABLE job_queue.job_file (
        job_id uuid NOT NULL REFERENCES job_queue.job (id) ON DELETE CASCADE,
        name text NOT NULL,
        content_type text NOT NULL,
        size_bytes bigint NOT NULL,
        sha256 text NOT NULL,
        storage_key text NOT NULL,
        run_token uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (job_id, name)
      )`);
    // Messages to put on the BullMQ transport; written in the same transaction as the state change.
    this.addSql(`
      CREATE TABLE job_queue.outbox (
        id bigserial PRIMARY KEY,
        job_id uuid NOT NULL,
        message_id text NOT NULL,
        available_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP SCHEMA IF EXISTS job_queue CASCADE`);
  }
}

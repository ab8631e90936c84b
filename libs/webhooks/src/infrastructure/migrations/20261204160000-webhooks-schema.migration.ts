import { Migration } from '@mikro-orm/migrations';

/**
 * The webhooks schema (ADR 045). Endpoints keep their signing secret encrypted (AES-256-GCM,
 * WEBHOOK_SECRET_KEY). An event is created once per source fact (`source_key` unique: the job
 * event, the import completion, the ping), a delivery once per endpoint and event
 * (`UNIQUE (endpoint_id, event_id)`), so re-reading a feed after a crash creates nothing twice.
 * `feed_cursor` holds how far each durable feed has been read for certain, `feed_seen` what was
 * acted on beyond that point. `endpoint_log` keeps what
 * happened to an endpoint on its own (`webhook.disabled`).
 */
export class Migration20261204160000WebhooksSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE SCHEMA IF NOT EXISTS webhooks`);
    this.addSql(`
      CREATE TABLE webhooks.endpoint (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        url text NOT NULL,
        events text[] NOT NULL,
        description text NULL,
        enabled boolean NOT NULL,
        secret_encrypted text NOT NULL,
        owner jsonb NOT NULL,
        failing_since timestamptz NULL,
        disabled_at timestamptz NULL,
        disabled_reason text NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    this.addSql(`CREATE INDEX endpoint_tenant_idx ON webhooks.endpoint (tenant, created_at DESC)`);
    this.addSql(`
      CREATE TABLE webhooks.event (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        type text NOT NULL,
        source_key text NOT NULL UNIQUE,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    this.addSql(`
      CREATE TABLE webhooks.delivery (
        id uuid PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhooks.endpoint (id) ON DELETE CASCADE,
        event_id uuid NOT NULL REFERENCES webhooks.event (id) ON DELETE CASCADE,
        tenant text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer NULL,
        last_error text NULL,
        last_response_body text NULL,
        next_attempt_at timestamptz NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        delivered_at timestamptz NULL,
        UNIQUE (endpoint_id, event_id)
      )`);
    this.addSql(`CREATE INDEX delivery_endpoint_idx ON webhooks.delivery (endpoint_id, created_at DESC)`);
    this.addSql(`CREATE TABLE webhooks.feed_cursor (name text PRIMARY KEY, position jsonb NULL)`);
    // Facts acted on before they were final (ListJobTransitionsQuery): skipped when read again.
    this.addSql(`CREATE TABLE webhooks.feed_seen (feed text NOT NULL, key text NOT NULL, PRIMARY KEY (feed, key))`);
    this.addSql(`INSERT INTO webhooks.feed_cursor (name, position) VALUES ('job-transitions', NULL), ('import-completions', NULL)`);
    this.addSql(`
      CREATE TABLE webhooks.endpoint_log (
        id bigserial PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhooks.endpoint (id) ON DELETE CASCADE,
        tenant text NOT NULL,
        type text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP SCHEMA IF EXISTS webhooks CASCADE`);
  }
}

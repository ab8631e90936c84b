import { Migration } from '@mikro-orm/migrations';

/**
 * The scheduling module's own schema: recurring export schedules and one row per run. The unique
 * (schedule_id, tick_at) is what makes a tick run once however many tickers race (ADR 047).
 */
export class Migration20261204150000SchedulingSchema extends Migration {
  override async up(): Promise<void> {
    this.addSql(`CREATE SCHEMA IF NOT EXISTS scheduling`);
    this.addSql(`
      CREATE TABLE scheduling.export_schedule (
        id uuid PRIMARY KEY,
        tenant text NOT NULL,
        owner_id text NOT NULL,
        owner_kind text NOT NULL DEFAULT 'user' CHECK (owner_kind IN ('user', 'app')),
        owner_principal jsonb NOT NULL,
        owner_revoked_at timestamptz NULL,
        owner_revoked_reason text NULL,
        name text NULL,
        type text NOT NULL,
        format text NOT NULL,
        filters jsonb NOT NULL DEFAULT '{}'::jsonb,
        scope_ids text[] NOT NULL DEFAULT '{}',
        columns text[] NULL,
        compression text NOT NULL DEFAULT 'none' CHECK (compression IN ('none', 'gzip')),
        cron text NOT NULL,
        timezone text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        next_run_at timestamptz NULL,
        last_run_at timestamptz NULL,
        last_export_id uuid NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    // The tickers' question: which enabled schedules are due?
    this.addSql(`CREATE INDEX export_schedule_due_idx ON scheduling.export_schedule (next_run_at) WHERE enabled AND next_run_at IS NOT NULL`);
    this.addSql(`CREATE INDEX export_schedule_tenant_idx ON scheduling.export_schedule (tenant, created_at DESC)`);
    this.addSql(`CREATE INDEX export_schedule_owner_idx ON scheduling.export_schedule (tenant, owner_id)`);
    this.addSql(`
      CREATE TABLE scheduling.export_schedule_run (
        id uuid PRIMARY KEY,
        schedule_id uuid NOT NULL REFERENCES scheduling.export_schedule (id) ON DELETE CASCADE,
        tenant text NOT NULL,
        tick_at timestamptz NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('cron', 'manual')),
        status text NOT NULL CHECK (status IN ('claimed', 'requested', 'failed')),
        request jsonb NOT NULL,
        export_id uuid NULL,
        error text NULL,
        missed_ticks integer NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        CONSTRAINT export_schedule_run_tick_key UNIQUE (schedule_id, tick_at)
      )`);
    // Runs claimed but not yet requested: what every ticker settles (a crashed ticker's too).
    this.addSql(`CREATE INDEX export_schedule_run_claimed_idx ON scheduling.export_schedule_run (tick_at) WHERE status = 'claimed'`);
    this.addSql(`CREATE INDEX export_schedule_run_list_idx ON scheduling.export_schedule_run (schedule_id, tick_at DESC)`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP SCHEMA scheduling CASCADE`);
  }
}

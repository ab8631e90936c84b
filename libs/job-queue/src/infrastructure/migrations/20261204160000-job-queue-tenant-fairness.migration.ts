import { Migration } from '@mikro-orm/migrations';

/**
 * Fair sharing between tenants and per-tenant limits (ADR 052).
 *
 * A pending job's `queue_seq` is `round << 32 | sequence`: each job a tenant submits takes the
 * tenant's next ROUND, never earlier than the round at the head of the queue. Claiming in
 * `queue_seq` order (within a priority, as before) then takes one job of every tenant with work
 * per round instead of one tenant's whole backlog first: a tenant that submits 200 jobs fills
 * rounds r..r+199, and another tenant's job submitted after them lands in the head round.
 * `take_rounds` reserves rounds; `fair_seq` makes the sortable value. `tenant_queue` keeps each
 * tenant's next round and its limits (NULL: the configured defaults).
 */
export class Migration20261204160000JobQueueTenantFairness extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE job_queue.tenant_queue (
        tenant text PRIMARY KEY,
        next_round bigint NOT NULL DEFAULT 0,
        max_concurrent_jobs integer NULL CHECK (max_concurrent_jobs >= 0),
        max_pending_jobs integer NULL CHECK (max_pending_jobs >= 0),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    this.addSql(`CREATE INDEX job_pending_seq_idx ON job_queue.job (queue_seq) WHERE status = 'pending'`);
    this.addSql(`CREATE INDEX job_waiting_tenant_idx ON job_queue.job (tenant) WHERE status IN ('pending', 'scheduled')`);
    this.addSql(`CREATE INDEX job_running_tenant_idx ON job_queue.job (tenant) WHERE status IN ('running', 'cancelling')`);
    this.addSql(`
      CREATE FUNCTION job_queue.head_round() RETURNS bigint LANGUAGE sql STABLE AS $$
        SELECT COALESCE((SELECT queue_seq FROM job_queue.job WHERE status = 'pending' ORDER BY queue_seq LIMIT 1) >> 32, 0)
      $$`);
    // p_head: the head round when the caller has it already (a batch reads it once for every tenant).
    this.addSql(`
      CREATE FUNCTION job_queue.take_rounds(p_tenant text, p_count integer, p_head bigint DEFAULT NULL) RETURNS bigint
      LANGUAGE sql VOLATILE AS $$
        INSERT INTO job_queue.tenant_queue AS t (tenant, next_round)
        VALUES (p_tenant, COALESCE(p_head, job_queue.head_round()) + p_count)
        ON CONFLICT (tenant) DO UPDATE SET next_round = greatest(t.next_round, EXCLUDED.next_round - p_count) + p_count
        RETURNING next_round - p_count
      $$`);
    // plpgsql and VOLATILE on purpose: its query takes a fresh snapshot when called, so a round
    // that has just taken the tenant's claim lock counts the runs of the round that held it
    // before, which committed after the round's own statement began.
    this.addSql(`
      CREATE FUNCTION job_queue.running_count(p_tenant text) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        RETURN (SELECT count(*) FROM job_queue.job WHERE tenant = p_tenant AND status IN ('running', 'cancelling'));
      END
      $$`);
    this.addSql(`
      CREATE FUNCTION job_queue.fair_seq(p_round bigint) RETURNS bigint LANGUAGE sql VOLATILE AS $$
        SELECT (p_round << 32) | (nextval('job_queue.queue_seq') & 4294967295)
      $$`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP FUNCTION job_queue.fair_seq(bigint)`);
    this.addSql(`DROP FUNCTION job_queue.take_rounds(text, integer, bigint)`);
    this.addSql(`DROP FUNCTION job_queue.head_round()`);
    this.addSql(`DROP FUNCTION job_queue.running_count(text)`);
    this.addSql(`DROP INDEX job_queue.job_running_tenant_idx`);
    this.addSql(`DROP INDEX job_queue.job_waiting_tenant_idx`);
    this.addSql(`DROP INDEX job_queue.job_pending_seq_idx`);
    this.addSql(`DROP TABLE job_queue.tenant_queue`);
  }
}

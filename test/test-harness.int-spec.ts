import { Client } from 'pg';
import { porterMigrations } from './support/migrations-for-tests';

/**
 * The jest global setup's promise (ADR 004). Readiness with a dependency down is tested against
 * real processes in test/e2e/platform/process-lifecycle.e2e-spec.ts.
 */
describe('test harness', () => {
  it('gives every run its own database, with every module migration applied', async () => {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT current_database() AS db');
      expect(rows[0].db).toMatch(/^porter_test_/);
      const applied = await client.query<{ name: string }>('SELECT name FROM porter_migrations ORDER BY name');
      expect(applied.rows.map((r) => r.name)).toEqual(porterMigrations.map((m) => m.name).sort());
    } finally {
      await client.end();
    }
  });

  it('gives every run its own queue prefix and storage directory, and each parallel jest worker its own shard of them (ADR 108)', async () => {
    const run = process.env.PORTER_TEST_RUN_ID;
    const shards = JSON.parse(process.env.PORTER_TEST_SHARDS ?? '[]') as Array<Record<string, string>>;
    // Worker 1 (and a run in band) has the run's own; worker k the run's with `_s<k>`.
    const k = shards.length ? ((Number(process.env.JEST_WORKER_ID ?? '1') - 1) % shards.length) + 1 : 1;
    const suffix = k === 1 ? '' : `_s${k}`;
    expect(process.env.QUEUE_PREFIX).toBe(`porter_test_${run}${suffix}`);
    expect(process.env.STORAGE_DIR).toContain(`porter-test-${run}${suffix}-`);
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      expect((await client.query('SELECT current_database() AS db')).rows[0].db).toBe(`porter_test_${run}${suffix}`);
    } finally {
      await client.end();
    }
    // Every shard is distinct.
    for (const key of ['DATABASE_URL', 'QUEUE_PREFIX', 'STORAGE_DIR']) expect(new Set(shards.map((s) => s[key])).size).toBe(shards.length);
  });
});

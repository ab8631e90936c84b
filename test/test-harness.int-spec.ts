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

  it('gives every run its own queue prefix and storage directory', () => {
    expect(process.env.QUEUE_PREFIX).toBe(`porter_test_${process.env.PORTER_TEST_RUN_ID}`);
    expect(process.env.STORAGE_DIR).toContain(`porter-test-${process.env.PORTER_TEST_RUN_ID}-`);
  });
});

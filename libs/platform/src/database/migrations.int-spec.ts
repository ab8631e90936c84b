import { Client } from 'pg';
import { Migration } from '@mikro-orm/migrations';
import { ensureDatabase, MIGRATION_LOCK_KEY, runMigrations } from './migrations';

class MigrationA extends Migration {
  override async up(): Promise<void> {
    this.addSql('CREATE TABLE probe_a (id int primary key)');
  }
}
class MigrationB extends Migration {
  override async up(): Promise<void> {
    this.addSql('CREATE TABLE probe_b (id int primary key)');
  }
}

class SlowMigration extends Migration {
  override async up(): Promise<void> {
    this.addSql('SELECT pg_sleep(0.5)');
  }
}

const serverUrl = process.env.PORTER_TEST_SERVER_DATABASE_URL as string;

function urlFor(database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function dropDatabase(database: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await client.end();
}

describe('database bootstrap (real Postgres)', () => {
  const database = `porter_probe_${process.pid}_${Date.now()}`;
  afterAll(() => dropDatabase(database));

  it('creates the database when it does not exist, once', async () => {
    expect(await ensureDatabase(urlFor(database))).toBe(true);
    expect(await ensureDatabase(urlFor(database))).toBe(false);
  });

  it('applies listed migrations once, even when two migrators race', async () => {
    const list = [
      { name: 'Migration1ProbeA', class: MigrationA },
      { name: 'Migration2ProbeB', class: MigrationB },
    ];
    const [first, second] = await Promise.all([runMigrations(urlFor(database), list), runMigrations(urlFor(database), list)]);
    expect([...first, ...second].sort()).toEqual(['Migration1ProbeA', 'Migration2ProbeB']);
    expect(await runMigrations(urlFor(database), list)).toEqual([]);
    const client = new Client({ connectionString: urlFor(database) });
    await client.connect();
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('probe_a', 'probe_b')`);
    await client.end();
    expect(rows[0].n).toBe(2);
  });

  it('holds the migration lock on one session for the whole run and leaves none behind', async () => {
    const observer = new Client({ connectionString: serverUrl });
    await observer.connect();
    const holders = () =>
      observer
        .query<{ pid: number; application_name: string }>(
          `SELECT l.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.granted AND l.objid = $1 AND l.database = (SELECT oid FROM pg_database WHERE datname = $2)`,
          [MIGRATION_LOCK_KEY, database],
        )
        .then((r) => r.rows);
    try {
      const running = runMigrations(urlFor(database), [{ name: 'Migration3Slow', class: SlowMigration }]);
      // Poll (with a deadline) until the migrator holds its lock.
      const deadline = Date.now() + 10_000;
      let seen = await holders();
      while (!seen.length && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen = await holders();
      }
      expect(seen).toEqual([{ pid: expect.any(Number), application_name: 'porter-migrate' }]);
      expect(await running).toEqual(['Migration3Slow']);
      expect(await holders()).toEqual([]);
    } finally {
      await observer.end();
    }
  });
});

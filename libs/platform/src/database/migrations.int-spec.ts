import { Client } from 'pg';
import { Migration } from '@mikro-orm/migrations';
import { ensureDatabase, runMigrations } from './migrations';

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
});

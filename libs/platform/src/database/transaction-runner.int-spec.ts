import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { ormBaseOptions } from './orm-options';
import { TransactionRunner } from './transaction-runner';

/** The transaction handed to another module's command: one transaction, after-commit callbacks. */
describe('TransactionRunner (Postgres)', () => {
  let orm: MikroORM;
  let pool: Pool;
  let runner: TransactionRunner;
  const table = `tx_runner_probe_${randomUUID().replace(/-/g, '')}`;

  beforeAll(async () => {
    orm = await MikroORM.init({ ...ormBaseOptions(process.env.DATABASE_URL!, 2), entities: [], discovery: { warnWhenNoEntities: false } });
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    await pool.query(`CREATE TABLE ${table} (v text NOT NULL)`);
    runner = new TransactionRunner(orm.em);
  });
  afterAll(async () => {
    await pool?.query(`DROP TABLE IF EXISTS ${table}`);
    await pool?.end();
    await orm?.close(true);
  });

  const stored = async (v: string) => (await pool.query(`SELECT 1 FROM ${table} WHERE v = $1`, [v])).rowCount;

  it('writes through the handle in the same transaction as the ORM context, and calls each after-commit callback once after the commit', async () => {
    const seen: Array<{ at: string; stored: number | null }> = [];
    const v = randomUUID();
    const callback = () => seen.push({ at: 'after commit', stored: null });
    const ids = await runner.run(async (transaction) => {
      await transaction.execute(`INSERT INTO ${table} (v) VALUES (?)`, [v]);
      transaction.afterCommit(callback);
      transaction.afterCommit(callback);
      seen.push({ at: 'in work', stored: await stored(v) });
      const [handle] = await transaction.execute<Array<{ id: string }>>(`SELECT pg_current_xact_id()::text AS id`, []);
      // A repository that resolves the current EntityManager (MikroORM's transaction context).
      const [context] = await orm.em.execute<Array<{ id: string }>>(`SELECT pg_current_xact_id()::text AS id`);
      return [handle.id, context.id];
    });
    expect(ids[0]).toBe(ids[1]);
    expect(seen).toEqual([
      { at: 'in work', stored: 0 },
      { at: 'after commit', stored: null },
    ]);
    expect(await stored(v)).toBe(1);
  });

  it('rolls back when the work throws, and calls no after-commit callback', async () => {
    const v = randomUUID();
    let called = false;
    await expect(
      runner.run(async (transaction) => {
        await transaction.execute(`INSERT INTO ${table} (v) VALUES (?)`, [v]);
        transaction.afterCommit(() => (called = true));
        throw new Error('the caller fails after writing');
      }),
    ).rejects.toThrow('the caller fails');
    expect(called).toBe(false);
    expect(await stored(v)).toBe(0);
  });

  it('opens a transaction of its own when called inside another one (never a savepoint of it)', async () => {
    const v = randomUUID();
    await expect(
      runner.run(async () => {
        await runner.run((inner) => inner.execute(`INSERT INTO ${table} (v) VALUES (?)`, [v]));
        throw new Error('the outer work fails');
      }),
    ).rejects.toThrow('the outer work fails');
    expect(await stored(v)).toBe(1);
  });

  it('binds parameters (quotes, backslashes, question marks and a large JSON value arrive as given), and a unique violation is MikroORM\'s exception', async () => {
    const tricky = `it's a \\ back'slash?? ${randomUUID()} $1 ?`;
    const big = JSON.stringify(Array.from({ length: 5000 }, (_, i) => ({ i, s: `row ${i} 'quoted' \\ ?` })));
    const [row] = await runner.run((transaction) =>
      transaction.execute<Array<{ v: string; n: number; b: boolean; at: string }>>(
        `SELECT ?::text AS v, jsonb_array_length(?::jsonb)::int AS n, ?::boolean AS b, (?::timestamptz)::text AS at`,
        [tricky, big, true, new Date('2026-12-07T00:00:00Z')],
      ),
    );
    expect(row).toEqual({ v: tricky, n: 5000, b: true, at: '2026-12-07 00:00:00+00' });

    await pool.query(`CREATE UNIQUE INDEX IF NOT EXISTS ${table}_v ON ${table} (v)`);
    const v = randomUUID();
    await runner.run((transaction) => transaction.execute(`INSERT INTO ${table} (v) VALUES (?)`, [v]));
    await expect(runner.run((transaction) => transaction.execute(`INSERT INTO ${table} (v) VALUES (?)`, [v]))).rejects.toBeInstanceOf(
      UniqueConstraintViolationException,
    );
    expect(await stored(v)).toBe(1);
  });
});

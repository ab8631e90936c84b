import { MikroORM, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { ormBaseOptions } from './orm-options';
import { createPgPool } from './pg-pool';
import { TransactionRunner } from './transaction-runner';

/** `runSql`: the same transaction handle as `run`, without MikroORM's transaction machinery (ADR 068). */
describe('TransactionRunner.runSql (Postgres)', () => {
  let orm: MikroORM;
  let pool: Pool;
  let runner: TransactionRunner;
  const table = `tx_runner_sql_probe_${randomUUID().replace(/-/g, '')}`;

  beforeAll(async () => {
    orm = await MikroORM.init({ ...ormBaseOptions(process.env.DATABASE_URL!, 2), entities: [], discovery: { warnWhenNoEntities: false } });
    pool = createPgPool(process.env.DATABASE_URL!, 2);
    await pool.query(`CREATE TABLE ${table} (v text PRIMARY KEY, doc jsonb, at timestamptz, flag boolean, n bigint)`);
    runner = new TransactionRunner(orm.em);
  });
  afterAll(async () => {
    await pool?.query(`DROP TABLE IF EXISTS ${table}`);
    await pool?.end();
    await orm?.close(true);
  });

  const stored = async (v: string) => (await pool.query(`SELECT v, doc, at, flag, n FROM ${table} WHERE v = $1`, [v])).rows;

  it('commits every statement together, calls each after-commit callback once after the commit, and returns RETURNING rows', async () => {
    const v = randomUUID();
    const at = new Date('2026-12-04T10:11:12.345Z');
    const seen: string[] = [];
    const callback = () => seen.push('after commit');
    const rows = await runner.runSql(async (transaction) => {
      const inserted = await transaction.execute<Array<{ v: string }>>(
        `INSERT INTO ${table} (v, doc, at, flag, n) VALUES (?, ?::jsonb, ?, ?, ?) RETURNING v`,
        [v, JSON.stringify({ a: "it's \\ quoted", b: [1, null] }), at, true, '9007199254740993'],
      );
      transaction.afterCommit(callback);
      transaction.afterCommit(callback);
      const [mine] = await transaction.execute<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM ${table} WHERE v = ?`, [v]);
      seen.push(`in work: ${mine.n} visible here, ${(await stored(v)).length} outside`);
      return inserted;
    });
    expect(rows).toEqual([{ v }]);
    expect(seen).toEqual(['in work: 1 visible here, 0 outside', 'after commit']);
    expect(await stored(v)).toEqual([{ v, doc: { a: "it's \\ quoted", b: [1, null] }, at, flag: true, n: '9007199254740993' }]);
  });

  it('rolls back when the work throws, and calls no after-commit callback', async () => {
    const v = randomUUID();
    let called = false;
    await expect(
      runner.runSql(async (transaction) => {
        await transaction.execute(`INSERT INTO ${table} (v) VALUES (?)`, [v]);
        transaction.afterCommit(() => (called = true));
        throw new Error('the caller fails after writing');
      }),
    ).rejects.toThrow('the caller fails');
    expect(called).toBe(false);
    expect(await stored(v)).toEqual([]);
  });

  it('converts a database error as MikroORM does (a unique violation), rolls back, and leaves the pool usable', async () => {
    const v = randomUUID();
    await runner.runSql((transaction) => transaction.execute(`INSERT INTO ${table} (v) VALUES (?)`, [v]));
    const other = randomUUID();
    const failure = await runner
      .runSql(async (transaction) => {
        await transaction.execute(`INSERT INTO ${table} (v) VALUES (?)`, [other]);
        await transaction.execute(`INSERT INTO ${table} (v) VALUES (?)`, [v]);
      })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UniqueConstraintViolationException);
    expect(await stored(other)).toEqual([]);
    // MikroORM's pool holds 2 connections: every one came back
    await Promise.all([1, 2, 3, 4, 5].map(() => runner.runSql((transaction) => transaction.execute(`SELECT 1`, []))));
    await Promise.all([1, 2].map(() => runner.run((transaction) => transaction.execute(`SELECT 1`, []))));
  });
});

import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { PoolClient, QueryResult } from 'pg';

/**
 * An open database transaction, opened by `TransactionRunner.run` and handed by its caller to
 * another module's command (`SubmitJobCommand`'s `transaction` option): what that command writes
 * through it commits with the caller's own writes, or not at all.
 */
export interface Transaction {
  /** Runs one statement in this transaction (knex `?` placeholders) and returns its rows. */
  execute<T extends object[] = Array<Record<string, unknown>>>(sql: string, params: unknown[]): Promise<T>;
  /**
   * Calls `callback` once this transaction has committed; never when it rolls back. The same
   * function registered twice is called once. It must not throw: the caller's work has committed.
   */
  afterCommit(callback: () => void): void;
}

/** Opens transactions that callers hand to other modules' commands (see `Transaction`). */
@Injectable()
export class TransactionRunner {
  constructor(private readonly em: EntityManager) {}

  /**
   * Runs `work` in a new transaction of its own (a root transaction on its own connection,
   * never a savepoint of one the caller may be in), committed when `work` resolves and rolled
   * back when it throws. MikroORM repositories that resolve the current EntityManager join it
   * too while `work` runs (MikroORM's transaction context).
   */
  async run<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    const committed = new Set<() => void>();
    const result = await this.em.fork().transactional((em) =>
      work({
        execute: (sql, params) => em.execute(sql, params),
        afterCommit: (callback) => committed.add(callback),
      }),
    );
    for (const callback of committed) callback();
    return result;
  }

  /**
   * Like `run`, for work that writes only through `transaction.execute` (no MikroORM entity, no
   * repository resolving the current EntityManager): BEGIN, the statements and COMMIT straight on
   * a connection of MikroORM's own pool (the pool `run` uses, so a transaction never waits for a
   * connection of the plain pg pool that its own statements may need), without MikroORM's and
   * knex's transaction and query machinery, about a third of a submit's CPU (ADR 068). Each
   * statement is the very text `run` sends (MikroORM's formatting of the `?` parameters), and a
   * database error is converted as MikroORM converts it (a unique violation is still a
   * UniqueConstraintViolationException).
   */
  async runSql<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    const platform = this.em.getPlatform();
    const driver = this.em.getDriver();
    const knexClient = this.em.getConnection().getKnex().client as {
      acquireConnection(): Promise<PgConnection>;
      releaseConnection(connection: PgConnection): Promise<unknown>;
    };
    const connection = await knexClient.acquireConnection();
    const committed = new Set<() => void>();
    let result: T;
    try {
      await connection.query('BEGIN');
      try {
        result = await work({
          execute: async <R extends object[]>(sql: string, params: unknown[]) => {
            let answer: QueryResult | QueryResult[];
            try {
              answer = (await connection.query(platform.formatQuery(sql, params as unknown[]))) as QueryResult | QueryResult[];
            } catch (error) {
              throw driver.convertException(error as Error);
            }
            const last = Array.isArray(answer) ? answer[answer.length - 1] : answer;
            return (last?.rows ?? []) as R;
          },
          afterCommit: (callback) => committed.add(callback),
        });
        await connection.query('COMMIT');
      } catch (error) {
        // A connection that cannot even roll back is handed back marked, and knex's pool drops it.
        await connection.query('ROLLBACK').catch((broken: Error) => (connection.__knex__disposed = broken));
        throw error;
      }
    } finally {
      await knexClient.releaseConnection(connection);
    }
    for (const callback of committed) callback();
    return result;
  }
}

/** A connection of MikroORM's (knex's) pool: a pg Client. */
type PgConnection = Pick<PoolClient, 'query'> & { __knex__disposed?: unknown };

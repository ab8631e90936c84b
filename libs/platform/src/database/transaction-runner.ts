import { Injectable } from '@nestjs/common';
import { Dictionary } from '@mikro-orm/core';
import { EntityManager, Knex } from '@mikro-orm/postgresql';

/**
 * An open database transaction, opened by `TransactionRunner.run` and handed by its caller to
 * another module's command (`SubmitJobCommand`'s `transaction` option): what that command writes
 * through it commits with the caller's own writes, or not at all.
 */
export interface Transaction {
  /**
   * Runs one statement in this transaction (knex `?` placeholders, sent to Postgres as bound
   * parameters) and returns its rows. A parameter takes its type from where it stands (cast it
   * where nothing gives one: a bare `SELECT ?` is text). A JS array is passed as a Postgres array,
   * not spread: pass lists as one JSON parameter. Errors come back as MikroORM's exceptions (a unique violation is
   * a `UniqueConstraintViolationException`), as through the EntityManager.
   */
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
        execute: (sql, params) => boundExecute(em, sql, params),
        afterCommit: (callback) => committed.add(callback),
      }),
    );
    for (const callback of committed) callback();
    return result;
  }
}

/**
 * One statement on the transaction's connection with its parameters bound. `em.execute` inlines
 * them into the SQL text (MikroORM's formatQuery escapes every value character by character): a
 * submit of 1,000 jobs passed ~1 MB of JSON through it, and it was 31 % of the bytes the queue
 * benchmark's process allocated (ADR 104).
 */
async function boundExecute<T extends object[]>(em: EntityManager, sql: string, params: unknown[]): Promise<T> {
  const transaction = em.getTransactionContext<Knex.Transaction>();
  if (!transaction) throw new Error('Transaction.execute called outside its transaction');
  try {
    const result = (await transaction.raw(sql, params as readonly Knex.RawBinding[])) as { rows: T };
    return result.rows;
  } catch (error) {
    throw em.getPlatform().getExceptionConverter().convertException(error as Error & Dictionary);
  }
}

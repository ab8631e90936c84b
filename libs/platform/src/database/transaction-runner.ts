import { Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';

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
}

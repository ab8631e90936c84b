import { Injectable, OnModuleInit } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { EventSubscriber, TransactionEventArgs } from '@mikro-orm/core';
import { OutboxRelay } from './outbox-relay.service';

/**
 * Kicks this process's outbox relay right after a caller's transaction that submitted jobs
 * commits (MikroORM `afterTransactionCommit`), so jobs submitted inside another module's
 * transaction (an export request with its job) reach the queue at once without a NOTIFY.
 * A rolled-back transaction kicks nothing; its entry is dropped with the transaction object.
 */
@Injectable()
export class OutboxKickOnCommit implements EventSubscriber, OnModuleInit {
  private readonly pending = new WeakSet<object>();

  constructor(
    private readonly em: EntityManager,
    private readonly relay: OutboxRelay,
  ) {}

  onModuleInit(): void {
    this.em.getEventManager().registerSubscriber(this);
  }

  /** Marks `transaction` (a root transaction of the request's EntityManager) as holding new outbox rows. */
  add(transaction: object): void {
    this.pending.add(transaction);
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    const transaction = args.transaction as object | undefined;
    if (!transaction || !this.pending.has(transaction)) return;
    this.pending.delete(transaction);
    this.relay.kick();
  }
}

import { Command } from '@nestjs/cqrs';
import type { Transaction } from '@porter/platform';
import type { Principal } from '@porter/shared-kernel';

export interface SubmitJobResult {
  jobId: string;
  /** false when an idempotency key matched an existing job of this tenant and type. */
  created: boolean;
}

/**
 * Submits a job. With `transaction` (a caller's, opened by the platform's TransactionRunner) the
 * job row, its first event and its outbox row are written in exactly that transaction: the
 * caller's record and the job commit together or not at all, and the job reaches the queue once
 * it has committed. Without one the submit is a transaction of its own.
 */
export class SubmitJobCommand extends Command<SubmitJobResult> {
  constructor(
    readonly principal: Principal,
    readonly type: string,
    readonly payload: Record<string, unknown>,
    readonly options: {
      name?: string | null;
      description?: string | null;
      scheduledFor?: Date | null;
      priority?: number;
      idempotencyKey?: string | null;
      /** The caller's open transaction the job is written in (see above). */
      transaction?: Transaction | null;
    } = {},
  ) {
    super();
  }
}

import { Command } from '@nestjs/cqrs';
import type { Transaction } from '@porter/platform';
import type { Principal } from '@porter/shared-kernel';
import type { SubmitJobResult } from './submit-job.command';

/** One job of a `SubmitJobsCommand`: what `SubmitJobCommand` takes, without its per-job transaction. */
export interface JobToSubmit {
  principal: Principal;
  type: string;
  payload: Record<string, unknown>;
  name?: string | null;
  description?: string | null;
  scheduledFor?: Date | null;
  priority?: number;
  /**
   * The W3C trace context of the request that asked for this job (the platform's
   * `currentTraceContext()`, taken where that request is handled). A batch is written from one
   * caller's async context, so the job-queue cannot take it from there as `SubmitJobCommand` does.
   */
  traceContext: Record<string, string> | null;
}

/**
 * Submits several jobs in the caller's open transaction (opened by the platform's
 * TransactionRunner), with one statement for all of them: the group commit of requests that each
 * write a record of their own beside their job (ADR 073). Every job is validated and admitted
 * (the tenant's maxPendingJobs) as `SubmitJobCommand` would; if any is refused the command
 * throws and writes nothing, and the caller submits its jobs one by one to learn whose it was.
 * No idempotency keys and no attachments here: those requests take `SubmitJobCommand`.
 * Results are in the order of `jobs`.
 */
export class SubmitJobsCommand extends Command<SubmitJobResult[]> {
  constructor(
    readonly jobs: JobToSubmit[],
    readonly transaction: Transaction,
  ) {
    super();
  }
}

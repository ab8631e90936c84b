import { Command } from '@nestjs/cqrs';
import type { Transaction } from '@porter/platform';
import type { Principal } from '@porter/shared-kernel';
import type { StagedJobAttachments } from './stage-job-attachments.command';

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
 *
 * With `attachments` (StageJobAttachmentsCommand) the job gets the staged id and the attachments'
 * rows are written in the same transaction as the job row: the job is never visible, and never
 * runs, without its request files. When the submit is an idempotent replay (created: false) the
 * staged files are discarded; when it fails, discarding them is the caller's (it alone knows
 * whether its own transaction committed).
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
      /** Files stored for this job before its submission (ADR 060). */
      attachments?: StagedJobAttachments | null;
      /**
       * Work Porter schedules by itself as the consequence of work already admitted (a webhook
       * delivery attempt, a notification email): it is not refused by the tenant's maxPendingJobs
       * (ADR 062). A tenant at its limit must still hear that its jobs finished, and a refusal
       * here would roll back the caller's transaction (the event feed's page, for every tenant).
       * Never set from a request a caller makes: their submissions are what the limit is for.
       */
      followUp?: boolean;
    } = {},
  ) {
    super();
  }
}

import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';

export interface SubmitJobResult {
  jobId: string;
  /** false when an idempotency key matched an existing job of this tenant and type. */
  created: boolean;
}

/**
 * Submits a job. Inside a caller's MikroORM transaction (`em.transactional`) the job row, its
 * first event and its outbox row join that transaction: the caller's record and the job commit
 * together or not at all.
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
    } = {},
  ) {
    super();
  }
}

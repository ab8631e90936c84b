import { Query } from '@nestjs/cqrs';

/** A position in the feed of terminal transitions: opaque to callers, store it as given. */
export interface JobTransitionCursor {
  txId: string;
  eventId: string;
}

export interface JobTransition {
  /** The job event's id: unique and stable, a natural idempotency key for what a reader derives. */
  eventId: string;
  jobId: string;
  jobType: string;
  tenant: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  at: string;
}

export interface JobTransitionPage {
  items: JobTransition[];
  /** Where to continue; equal to `after` when nothing new is committed. */
  next: JobTransitionCursor;
}

/**
 * The terminal transitions of every tenant's jobs (succeeded, failed, cancelled), in commit-safe
 * order, after `after`. They are read from the job events written in the same transaction as each
 * transition, so a reader that stores `next` durably sees each transition exactly once, crash or
 * not. Only transitions whose transactions precede every transaction still running are returned,
 * so none committed later can fall behind the cursor (ADR 045). `after` null starts at the
 * present: history before the first read is not replayed. No permission filter: for modules
 * that react to jobs on the platform's behalf.
 */
export class ListJobTransitionsQuery extends Query<JobTransitionPage> {
  constructor(readonly after: JobTransitionCursor | null, readonly limit = 200) {
    super();
  }
}

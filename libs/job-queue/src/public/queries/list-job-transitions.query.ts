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
  /**
   * True when no transaction still running can commit a transition before this one in the
   * feed's order: `next` moves past final transitions only. A transition that is not final yet
   * is returned too (it is committed), and again on later reads until it is final: a reader
   * acting on it at once must remember it (ADR 045).
   */
  final: boolean;
}

export interface JobTransitionPage {
  items: JobTransition[];
  /** Where to continue: after the last FINAL transition; equal to `after` when none is new. */
  next: JobTransitionCursor;
}

/**
 * The terminal transitions of every tenant's jobs (succeeded, failed, cancelled) after `after`,
 * in (transaction id, event id) order. They are read from the job events written in the same
 * transaction as each transition, so a reader that stores `next` durably misses none, crash or
 * not: `next` only moves past transitions whose transaction precedes every transaction still
 * running (`final`), so none committed later can fall behind it (ADR 045). Committed transitions
 * beyond that horizon are returned too, marked not final, so that one long-running transaction
 * elsewhere does not hold every reader back. `after` null starts at the present: history before
 * the first read is not replayed. No permission filter: for modules that react to jobs on the
 * platform's behalf.
 */
export class ListJobTransitionsQuery extends Query<JobTransitionPage> {
  constructor(readonly after: JobTransitionCursor | null, readonly limit = 200) {
    super();
  }
}

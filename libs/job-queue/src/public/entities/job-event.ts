export interface JobEvent {
  /**
   * submitted, scheduled, schedule_cleared, due, started, retrying, stalled, released, cancelling,
   * cancelled, succeeded, failed, retried, moved_to_top, updated, deleted. Progress is not an
   * event: it is the job's `progress` field, written at most every 500 ms.
   */
  type: string;
  at: string;
  /** user id, or "system" for transitions the platform makes itself */
  actor: string;
  data: Record<string, unknown>;
}

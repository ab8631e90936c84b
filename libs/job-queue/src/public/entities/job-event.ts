export interface JobEvent {
  /** e.g. submitted, scheduled, started, progress, retrying, succeeded, failed, cancelling, cancelled, deleted, moved_to_top, updated */
  type: string;
  at: string;
  /** user id, or "system" for transitions the platform makes itself */
  actor: string;
  data: Record<string, unknown>;
}

/**
 * Where an export request stands; it follows its job (pending → running → a terminal state).
 * `scheduled` is a pending request whose job is not due yet (it is derived when read, from the
 * job's scheduled time, so it turns into `pending` by itself at that time).
 */
export enum ExportStatus {
  Scheduled = 'scheduled',
  Pending = 'pending',
  Running = 'running',
  Succeeded = 'succeeded',
  Failed = 'failed',
  Cancelled = 'cancelled',
}

export const TERMINAL_EXPORT_STATUSES: readonly ExportStatus[] = [ExportStatus.Succeeded, ExportStatus.Failed, ExportStatus.Cancelled];

/** What a finished export produced: rows, no rows (a valid file with headers only), or nothing. */
export enum ExportOutcome {
  Success = 'success',
  Empty = 'empty',
  Failed = 'failed',
}

export enum JobStatus {
  Scheduled = 'scheduled',
  Pending = 'pending',
  Running = 'running',
  Cancelling = 'cancelling',
  Succeeded = 'succeeded',
  Failed = 'failed',
  Cancelled = 'cancelled',
  Deleted = 'deleted',
}

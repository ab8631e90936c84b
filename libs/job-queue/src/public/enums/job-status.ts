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

export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Cancelled];

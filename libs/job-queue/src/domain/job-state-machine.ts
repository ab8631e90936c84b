import { ConflictError } from '@porter/shared-kernel';
import { JobStatus } from '../public/enums/job-status';

const S = JobStatus;

/**
 * Every legal transition of a job, and why it exists. Anything not listed is illegal: the
 * caller gets an IllegalJobTransitionError (409 over HTTP), never a silent write.
 */
const TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  // due or schedule cleared; rescheduled; cancelled before it ever ran
  [S.Scheduled]: [S.Pending, S.Scheduled, S.Cancelled],
  // claimed by a worker; given a future schedule; cancelled before it ran
  [S.Pending]: [S.Running, S.Scheduled, S.Cancelled],
  // finished; failed for good; cancel requested; back to the queue (retry, stall recovery, shutdown)
  [S.Running]: [S.Succeeded, S.Failed, S.Cancelling, S.Pending],
  // the run stopped (or its worker died) after a cancel request
  [S.Cancelling]: [S.Cancelled],
  [S.Succeeded]: [S.Deleted],
  // RetryJobCommand runs a failed or cancelled job again
  [S.Failed]: [S.Pending, S.Deleted],
  [S.Cancelled]: [S.Pending, S.Deleted],
  [S.Deleted]: [],
};

export class IllegalJobTransitionError extends ConflictError {
  constructor(readonly from: JobStatus, readonly to: JobStatus) {
    super(`A ${from} job cannot become ${to}`);
  }
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from]?.includes(to) ?? false;
}

export function assertTransition(from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) throw new IllegalJobTransitionError(from, to);
}

/** The statuses a job may be in for `to` to be reached: the WHERE clause of a guarded UPDATE. */
export function statusesLeadingTo(to: JobStatus): JobStatus[] {
  return (Object.keys(TRANSITIONS) as JobStatus[]).filter((from) => TRANSITIONS[from].includes(to));
}

const TERMINAL_JOB_STATUSES: readonly JobStatus[] = [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Cancelled];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

export const ALL_JOB_STATUSES: readonly JobStatus[] = Object.values(JobStatus);

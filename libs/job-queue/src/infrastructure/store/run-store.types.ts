import type { PrincipalData } from '@porter/shared-kernel';
import type { JobStatus } from '../../public/enums/job-status';

/** What the worker side of the job table takes and returns (JobRunStore, the round, stall recovery). */
export interface ClaimedJob {
  id: string;
  tenant: string;
  type: string;
  payload: Record<string, unknown>;
  principal: PrincipalData;
  attempts: number;
  maxAttempts: number;
  checkpoint: Record<string, unknown> | null;
  runToken: string;
  submittedAt: Date;
  /** When the claim stamped the run as started (millisecond resolution). */
  startedAt: Date;
  firstRun: boolean;
  /** The W3C trace context of the request that submitted the job (ADR 049), when traced. */
  traceContext: Record<string, string> | null;
}

/**
 * A run that failed because a dependency was unreachable (ADR 091): the store decides, from the
 * job's outage so far, whether it is retried without counting the attempt or as the counted
 * outcome it comes with (`retry` or `failed`).
 */
export interface OutageFailure {
  /** Which dependency ("storage"). */
  dependency: string;
  /** The run's error message. */
  message: string;
  /** JOB_OUTAGE_RETRY_MS. */
  windowMs: number;
  /** The job's backoff base. */
  backoffMs: number;
}

/** What a run decided once its handler settled; the store applies it only if the run still owns the job. */
export type RunOutcome =
  | { kind: 'succeeded'; outputInformation: Record<string, unknown> | null }
  | { kind: 'failed'; errorDetails: string; outputInformation: Record<string, unknown> | null; outage?: OutageFailure }
  | { kind: 'retry'; delayMs: number; errorDetails: string; outage?: OutageFailure }
  | { kind: 'release'; reason: string }
  | { kind: 'cancelled' };

export interface FinishResult {
  status: JobStatus;
  type: string;
  tenant: string;
  attempts: number;
  outputInformation: Record<string, unknown> | null;
  errorDetails: string | null;
  /** A retry's delay, and whether its attempt was counted (not, for an outage retry, ADR 091). */
  retry?: { delayMs: number; counted: boolean };
}

export interface StalledJob {
  id: string;
  type: string;
  tenant: string;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
}

export interface SuccessInput {
  jobId: string;
  runToken: string;
  outputInformation: Record<string, unknown> | null;
}

export interface RoundResult {
  /** The runs of the round that are now `succeeded` (the others need `finish`). */
  succeeded: Map<string, FinishResult>;
  /** The jobs claimed, in claim order. */
  claimed: ClaimedJob[];
  /** Ready jobs the claim saw (at most the number of run tokens); fewer means the queue had no more. */
  seen: number;
}

/** Claim-ahead (ADR 018): beyond the first `sure` jobs, claim only while every job so far is of a `shortTypes` type. */
export interface ClaimAhead {
  sure: number;
  shortTypes: string[];
}

import type { Transaction } from '@porter/platform';
import type { Page, PageRequest, Principal, PrincipalData } from '@porter/shared-kernel';
import type { JobEvent } from '../../public/entities/job-event';
import type { JobInfo } from '../../public/entities/job-info';
import type { StoredJobFile } from '../../public/dependencies/job-handler.dependency';
import type { JobStatus } from '../../public/enums/job-status';
import type { JobQuery } from '../../domain/job-query';

/** A job as stored, with its computed queue position and output file names. */
export interface JobRecord
  extends Pick<JobInfo, 'id' | 'tenant' | 'type' | 'name' | 'description' | 'status' | 'position' | 'priority' | 'submittedBy' | 'attempts' | 'maxAttempts' | 'stalls'> {
  payload: Record<string, unknown>;
  principal: PrincipalData;
  submittedAt: Date;
  updatedAt: Date;
  scheduledFor: Date | null;
  startedAt: Date | null;
  completedAt: Date | null;
  progressProcessed: number;
  progressTotal: number | null;
  outputInformation: Record<string, unknown> | null;
  outputFiles: string[];
  errorDetails: string | null;
}

export interface NewJob {
  id: string;
  principal: Principal;
  type: string;
  payload: Record<string, unknown>;
  name: string | null;
  description: string | null;
  status: JobStatus.Pending | JobStatus.Scheduled;
  scheduledFor: Date | null;
  priority: number;
  maxAttempts: number;
  idempotencyKey: string | null;
  /** W3C trace context of the submitting request (ADR 049), null when not traced. */
  traceContext: Record<string, string> | null;
}

export interface JobEventDraft {
  type: string;
  actor: string;
  data?: Record<string, unknown>;
}

/**
 * One guarded change of a job: applied only while the job is still in `expected` status (the
 * domain checked the transition from that status), together with its event and, when the job
 * must be (re)considered by workers, an outbox message, all in one transaction.
 */
export interface JobChange {
  status?: JobStatus;
  name?: string | null;
  description?: string | null;
  scheduledFor?: Date | null;
  /** Put the job at the end of the pending queue (new queue_seq, no move-to-top). */
  enterQueue?: boolean;
  moveToTop?: boolean;
  /** Start over: attempts, progress, checkpoint, output and error are cleared. */
  resetRuns?: boolean;
  /** Stamp completed_at (terminal states). */
  complete?: boolean;
  softDelete?: boolean;
  /** Remove the job's output file rows (their storage objects are removed after commit). */
  dropFiles?: boolean;
  /** Enqueue a wake-up message, available at this time (now when null). */
  enqueueAt?: Date | null;
  event: JobEventDraft;
}

export interface JobListFilters {
  status?: JobStatus;
  type?: string;
  submittedBy?: string;
  /** Leave out the platform's own jobs (submitted by SYSTEM_USER_ID). */
  excludeSystem?: boolean;
  /** Parsed `query=` of the jobs list; its sort, when given, wins over the page's order. */
  query?: JobQuery;
}

export interface JobRepository {
  /** Forgets output files their owner deleted from storage (ForgetJobFilesCommand); how many rows went. */
  forgetFiles(files: ReadonlyArray<{ jobId: string; storageKey: string }>): Promise<number>;
  /** Writes the job in `transaction` when given (a caller's), else in a transaction of its own. */
  submit(job: NewJob, transaction: Transaction | null): Promise<{ jobId: string; created: boolean }>;
  /** Writes jobs without idempotency keys in `transaction`, one statement for all; results in their order. */
  submitMany(jobs: NewJob[], transaction: Transaction): Promise<Array<{ jobId: string; created: boolean }>>;
  /** The job if the principal may see it: same tenant, and own job unless admin. */
  findVisible(principal: Principal, jobId: string): Promise<JobRecord | null>;
  events(jobId: string): Promise<JobEvent[]>;
  files(jobId: string): Promise<StoredJobFile[]>;
  /**
   * Applies the change if the job is still `expected`; returns the job as the change left it
   * (read in the same transaction, so never a later state a worker made), or null if it moved on.
   */
  apply(jobId: string, expected: JobStatus, change: JobChange): Promise<JobRecord | null>;
}

export const JOB_REPOSITORY = Symbol('JOB_REPOSITORY');

/** Where job output files live; removal after a cancel, delete or purge. */
export interface JobFileCleaner {
  /** Every stored object of the job, attachments included (delete and purge only; terminal jobs: no run can be writing). */
  removeAll(jobId: string): Promise<void>;
  /**
   * The objects its runs wrote (recorded outputs and any a cancelled run left half-written), never
   * its attachments: after a cancel the job keeps its request files (ADR 060).
   */
  removeOutputs(jobId: string): Promise<void>;
  removeKeys(keys: string[]): Promise<void>;
}

export const JOB_FILE_CLEANER = Symbol('JOB_FILE_CLEANER');

import { SetMetadata } from '@nestjs/common';
import type { Writable } from 'stream';
import type { Principal } from '@porter/shared-kernel';
import type { JobFile } from '../entities/job-file';

export interface JobLogger {
  log(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/**
 * A job's file with its key in FILE_STORAGE. Callers of the job-queue never see the key (JobFile);
 * the handler that wrote a file gets it back from `commit()`, for a module that keeps its own
 * record of the file (exports serves, links and purges its results by this key).
 */
export interface StoredJobFile extends JobFile {
  readonly storageKey: string;
}

/** A file being written as a job output. Invisible until `commit()`; `abort()` discards it. */
export interface JobFileWriter {
  readonly stream: Writable;
  commit(): Promise<StoredJobFile>;
  abort(): Promise<void>;
}

/** Why a run's signal was aborted. */
export type JobAbortReason = 'cancelled' | 'shutdown' | 'lost-lock';

/**
 * What a job handler gets for one run. Everything it needs goes through here, so a handler never
 * touches the queue, the job tables or Redis.
 */
export interface JobContext {
  readonly jobId: string;
  readonly type: string;
  readonly payload: Record<string, unknown>;
  readonly principal: Principal;
  /** 1 on the first run, +1 on each retry or stall recovery. */
  readonly attempt: number;
  /** The attempt limit of this job (its type's, or JOB_MAX_ATTEMPTS): `attempt === maxAttempts` is the last. */
  readonly maxAttempts: number;
  /** Unique per run: a fencing token a handler may store beside its own writes. */
  readonly runToken: string;
  /** Aborted on cancel, shutdown or lost lock; `signal.reason` is a JobAbortReason. */
  readonly signal: AbortSignal;
  readonly logger: JobLogger;
  /** Records progress (throttled); `total` may be null when unknown. */
  progress(processed: number, total?: number | null): Promise<void>;
  /**
   * Records progress inside the handler's OWN transaction (same `execute` as checkpointWith), so
   * the job's progress commits with the work it counts: readers never see more, or less, than what
   * is committed. Not throttled: call it once per commit. Throws when this run no longer owns the job.
   */
  progressWith(execute: (sql: string, params: unknown[]) => Promise<number>, processed: number, total?: number | null): Promise<void>;
  /** Durably stores resume state for a later run of the same job. */
  checkpoint(state: Record<string, unknown>): Promise<void>;
  lastCheckpoint<T extends Record<string, unknown> = Record<string, unknown>>(): T | null;
  /**
   * Stores resume state inside the handler's OWN transaction, so it commits with the rows it
   * covers (exactly-once effects across crashes). `execute` runs the given SQL (`$1..$3`
   * placeholders, node-postgres style) on that transaction's connection and returns the affected
   * row count, e.g. `(sql, p) => client.query(sql, p).then((r) => r.rowCount ?? 0)`. Throws when
   * this run no longer owns the job; roll the transaction back then.
   */
  checkpointWith(execute: (sql: string, params: unknown[]) => Promise<number>, state: Record<string, unknown>): Promise<void>;
  /** Opens an output file of this job (listed in the job's output files once committed). */
  writeFile(name: string, contentType: string): JobFileWriter;
  setOutputInformation(info: Record<string, unknown>): void;
}

export interface JobHandler {
  run(context: JobContext): Promise<void>;
}

export interface JobTypeOptions {
  /** Attempts before the job fails for good (default: JOB_MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** Base of the exponential backoff between attempts (default: JOB_BACKOFF_MS). */
  backoffMs?: number;
}

export const JOB_HANDLER_METADATA = 'porter:job-handler';

export interface JobHandlerMetadata extends JobTypeOptions {
  type: string;
}

/**
 * Registers a provider as the handler of a job type. Put the class in the providers of the
 * owning module's worker module; the job-queue worker discovers it at start.
 */
export const JobHandlerFor = (type: string, options: JobTypeOptions = {}): ClassDecorator =>
  SetMetadata(JOB_HANDLER_METADATA, { type, ...options } satisfies JobHandlerMetadata);

/** Throw from a handler to fail the job at once, without further attempts. */
export class NonRetryableJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonRetryableJobError';
  }
}

/**
 * A job whose input cannot be processed (a refused file, a request no longer valid): the
 * submitter's to fix, not the platform's. Fails the job at once, like NonRetryableJobError, and
 * the worker logs it as a warning, so that error alerts stay for what operators must act on.
 */
export class RejectedJobInputError extends NonRetryableJobError {
  constructor(message: string) {
    super(message);
    this.name = 'RejectedJobInputError';
  }
}

import type { JobSnapshot } from '../../domain/job-stream-cursor';

export const JOB_CHANGE_FEED = Symbol('JOB_CHANGE_FEED');

/** What a watcher of one job hears from the feed. */
export interface JobWatcher {
  /** The job as last read (null: the row is gone, purged). May repeat an unchanged state. */
  onSnapshot(snapshot: JobSnapshot | null): void;
  /** The feed stops for good (process shutdown): nothing more comes. */
  onClose(): void;
}

/**
 * Where the API hears about changes to jobs that other processes (workers on any host) make.
 * One feed per process serves every stream: its cost must not grow with the number of streams
 * on a job, and it must add nothing to the job's own writes (ADR 042).
 */
export interface JobChangeFeed {
  /** Starts watching; returns the function that stops (idempotent). */
  watch(jobId: string, watcher: JobWatcher): () => void;
}

import type { JobStatus } from '../enums/job-status';
import type { JobProgress } from './job-info';

/** One event of a job's live stream (`GET /jobs/{id}/stream`): `id` names the state the client has once it got it. */
export type JobStreamEvent =
  | { id: string; event: 'status'; data: { status: JobStatus } }
  | { id: string; event: 'progress'; data: JobProgress };

/** Why a followed stream ended: the job reached a final state, or the process is shutting down. */
export type JobStreamEndReason = 'terminal' | 'shutdown';

/**
 * A job's live stream, opened by `WatchJobQuery` after the permission check. `initial` is the
 * current state, minus what the client already had (its Last-Event-ID); `ended` is true when the
 * job is already final, and then nothing follows.
 */
export interface JobStream {
  readonly initial: readonly JobStreamEvent[];
  readonly ended: boolean;
  /**
   * Delivers the later events; `onEnd` is called once, after the terminal status or at shutdown.
   * Returns the function that stops delivery and releases everything the stream holds (call it
   * when the client goes away; calling it again is harmless).
   */
  follow(onEvent: (event: JobStreamEvent) => void, onEnd: (reason: JobStreamEndReason) => void): () => void;
}

import { JobStatus } from '../public/enums/job-status';
import type { JobProgress } from '../public/entities/job-info';
import type { JobStreamEvent } from '../public/entities/job-stream';

/** A stream sends a job's progress at most this often (a status change or the end may send it sooner). */
export const JOB_STREAM_PROGRESS_INTERVAL_MS = 250;

/** Statuses after which a job's stream ends: nothing follows them but a retry, which a new stream follows. */
export const STREAM_END_STATUSES: readonly JobStatus[] = [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Cancelled, JobStatus.Deleted];

/** What a stream reads of a job. */
export interface JobSnapshot {
  status: JobStatus;
  processed: number;
  total: number | null;
}

/** What the client has: the status and progress of the last events it got (null: none yet). */
export interface ClientJobState {
  status: JobStatus | null;
  progress: { processed: number; total: number | null } | null;
}

export function progressPercent(processed: number, total: number | null): number | null {
  return total && total > 0 ? Math.min(100, Math.round((processed / total) * 10000) / 100) : null;
}

const STATUSES = new Set<string>(Object.values(JobStatus));

/**
 * An event id is the state the client has once it got that event:
 * `<status>.<processed>.<total>`, `-` for what it has not got (`running.-.-`, `running.40.100`,
 * `pending.40.-`). Sent back as Last-Event-ID, it lets a resumed stream send only what differs
 * from it, whatever process serves the reconnection and however long the client was away.
 */
export function jobStreamEventId(state: ClientJobState): string {
  const progress = state.progress ? `${state.progress.processed}.${state.progress.total ?? '-'}` : '-.-';
  return `${state.status ?? '-'}.${progress}`;
}

/** The state an event id names, or null when it is not one of ours (then the stream starts afresh). */
export function parseJobStreamEventId(id: string | null | undefined): ClientJobState | null {
  const match = /^([a-z]+|-)\.(\d{1,15}|-)\.(\d{1,15}|-)$/.exec(id?.trim() ?? '');
  if (!match) return null;
  const [, status, processed, total] = match;
  if (status !== '-' && !STATUSES.has(status)) return null;
  if (processed === '-' && total !== '-') return null;
  return {
    status: status === '-' ? null : (status as JobStatus),
    progress: processed === '-' ? null : { processed: Number(processed), total: total === '-' ? null : Number(total) },
  };
}

/**
 * Turns the snapshots of a job a stream sees into the events its client needs: a `status` event
 * when the status differs from the client's, a `progress` event when the figures differ, at
 * most one progress event per `progressIntervalMs` (a newer figure waits for the next
 * snapshot after that), and nothing after a final status. A status change sends the progress at
 * once (a retry starts again from its checkpoint); before a final status, the last progress goes
 * first, so a client sees 100 % and then `succeeded`.
 */
export class JobStreamCursor {
  private readonly known: ClientJobState;
  private lastProgressAt = Number.NEGATIVE_INFINITY;
  private done = false;

  constructor(lastEventId: string | null | undefined, private readonly progressIntervalMs = JOB_STREAM_PROGRESS_INTERVAL_MS) {
    this.known = parseJobStreamEventId(lastEventId) ?? { status: null, progress: null };
  }

  /** True once the final status was sent (or the client already had it). */
  get ended(): boolean {
    return this.done;
  }

  next(snapshot: JobSnapshot, now: number): JobStreamEvent[] {
    if (this.done) return [];
    const final = STREAM_END_STATUSES.includes(snapshot.status);
    const statusChanged = snapshot.status !== this.known.status;
    const progressChanged =
      !this.known.progress || this.known.progress.processed !== snapshot.processed || this.known.progress.total !== snapshot.total;
    const sendProgress = progressChanged && (final || statusChanged || now - this.lastProgressAt >= this.progressIntervalMs);
    const events: JobStreamEvent[] = [];
    const status = () => {
      this.known.status = snapshot.status;
      events.push({ id: jobStreamEventId(this.known), event: 'status', data: { status: snapshot.status } });
    };
    const progress = () => {
      this.known.progress = { processed: snapshot.processed, total: snapshot.total };
      this.lastProgressAt = now;
      const data: JobProgress = { processed: snapshot.processed, total: snapshot.total, percent: progressPercent(snapshot.processed, snapshot.total) };
      events.push({ id: jobStreamEventId(this.known), event: 'progress', data });
    };
    if (final) {
      if (sendProgress) progress();
      if (statusChanged) status();
      this.done = true;
    } else {
      if (statusChanged) status();
      if (sendProgress) progress();
    }
    return events;
  }
}

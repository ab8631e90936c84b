import { ApiClient } from './client';
import { CliError, EXIT } from './errors';
import { readJobStream, StreamOutcome, StreamUpdate } from './job-stream';
import { retryWhileUnreachable, RetryPolicy, WAIT_RETRY } from './retry';
import { confirm, Output, Progress } from './terminal';

export interface Job {
  id: string;
  type: string;
  name: string | null;
  status: string;
  position: number | null;
  progress: { processed: number; total: number | null; percent: number | null };
  attempts: number;
  submittedBy: string;
  submittedAt: string;
  scheduledFor: string | null;
  startedAt: string | null;
  completedAt: string | null;
  outputFiles: string[];
  errorDetails: string | null;
}

export const TERMINAL = ['succeeded', 'failed', 'cancelled', 'deleted'];
/** The least time between two reads of a job when the stream is not there to say more. */
export const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Statuses in which a job processes nothing: its count cannot move on while it is in one. */
const NOT_STARTED = ['scheduled', 'pending'];

/**
 * A job with one stream event applied. The stream sends a status only when it sees one: a job it
 * saw `pending` and next saw finished gets its last progress (under the old status) and then
 * its final status. A count that moves on means the job has run: shown as `running`, not as
 * `pending 100%`.
 */
export function applyStreamUpdate(job: Job, update: StreamUpdate): Job {
  if (update.status) return { ...job, status: update.status, ...(update.progress ? { progress: update.progress } : {}) };
  if (!update.progress) return job;
  const moved = update.progress.processed > job.progress.processed;
  return { ...job, progress: update.progress, ...(moved && NOT_STARTED.includes(job.status) ? { status: 'running' } : {}) };
}

/**
 * `Export 1f… failed: the disk is full.`: the reason only when there is one that says more than
 * the status (a cancelled job's reason is often just "cancelled").
 */
export function endedLine(subject: string, status: string, reason: string | null | undefined): string {
  const said = reason?.trim().replace(/\.+$/, '') ?? '';
  return `${subject} ${status}${said && said.toLowerCase() !== status.toLowerCase() ? `: ${said}` : ''}.`;
}

/**
 * Follows a job until it ends, calling `onJob` with each state. The one place that knows how
 * updates arrive (ADR 057): the job is read once (GET /jobs/{id}), then its stream
 * (GET /jobs/{id}/stream, server-sent `status` and `progress` events) carries the updates. When
 * the stream ends or is cut before the job's end, the job is read again and the stream reopened
 * with Last-Event-ID, no sooner than a second later; a server answering without an event stream
 * is polled every second instead. A final status is always confirmed by reading the job (its
 * end time, files and error come with it).
 *
 * An API that cannot be reached while the job runs (restarting: refused or reset connections,
 * 502/503/504) is read again with a backoff (`retryWhileUnreachable`) rather than ending the
 * wait: the job goes on without the API. `onUnreachable` is told when an outage starts; after
 * `retry.giveUpAfterMs` of it the error says the job may still be running and how to follow it.
 */
export async function watchJob(
  client: ApiClient,
  id: string,
  onJob: (job: Job) => void,
  signal?: AbortSignal,
  options: { retry?: RetryPolicy; onUnreachable?: (error: CliError) => void } = {},
): Promise<Job> {
  const read = async () => {
    const job = await retryWhileUnreachable(() => client.get<Job>(`/api/v1/jobs/${encodeURIComponent(id)}`), {
      policy: options.retry,
      signal,
      onUnreachable: options.onUnreachable,
      giveUp: (error) => stillRunningError(error, id, (options.retry ?? WAIT_RETRY).giveUpAfterMs),
    });
    onJob(job);
    return job;
  };
  let job = await read();
  const lastEventId: { value: string | null } = { value: null };
  let streaming = true;
  while (!TERMINAL.includes(job.status)) {
    let outcome: StreamOutcome | 'polled' = 'polled';
    if (streaming) {
      try {
        outcome = await readJobStream(
          client,
          id,
          lastEventId,
          (update) => {
            job = applyStreamUpdate(job, update);
            if (!TERMINAL.includes(job.status)) onJob(job);
          },
          signal,
        );
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        // Refused or unreachable: the read below says which (and throws for a real refusal).
        outcome = 'broken';
      }
      if (outcome === 'unavailable') streaming = false;
    }
    if (signal?.aborted) throw signal.reason;
    job = await read();
    if (TERMINAL.includes(job.status)) return job;
    // Closed while the job goes on (a retry after a final status): start afresh, not from there.
    if (outcome === 'ended') lastEventId.value = null;
    await sleep(POLL_MS);
    if (signal?.aborted) throw signal.reason;
  }
  return job;
}

/**
 * Given up on an unreachable API while waiting on job `id`: what to do next. A job still running
 * may well go on (follow it); one that had ended is there to see once the API is back.
 */
export function stillRunningError(error: CliError, id: string, afterMs: number, ended = false): CliError {
  const next = ended ? `has ended: see it with \`porter jobs show ${id}\`` : `may still be running: follow it with \`porter jobs watch ${id}\``;
  return new CliError(`${error.message.replace(/\.$/, '')}; gave up after ${Math.round(afterMs / 1000)} s of retrying. Job ${id} ${next}`, EXIT.unreachable, error.problem);
}

/**
 * The note of an outage while waiting, on stderr (never on a --json stdout), the bar set aside
 * for it so the two do not draw over each other.
 */
export function unreachableNote(out: Output, bar?: Progress): (error: CliError) => void {
  return (error) => {
    bar?.pause();
    out.note(`API unreachable, retrying… (${error.message.replace(/\.$/, '')})`);
    bar?.resume();
  };
}

/**
 * `--wait`: a bar (or lines) while the job runs. Ctrl-C asks whether to cancel the job: yes
 * cancels it and goes on waiting for its end; no goes on waiting. Without a terminal to ask on,
 * Ctrl-C stops waiting and leaves the job running (exit 130).
 */
export async function waitForJob(client: ApiClient, out: Output, id: string, label: string, unit = 'rows'): Promise<Job> {
  const bar = out.progress(label, unit);
  let asking = false;
  let stopWaiting: ((error: Error) => void) | null = null;
  const interrupted = new Promise<never>((_, reject) => (stopWaiting = reject));
  interrupted.catch(() => undefined);
  const onSigint = async () => {
    // While the question is open the terminal is raw: a Ctrl-C there answers "no" (readline).
    // A signal that still arrives then (a second ^C racing the switch to raw mode) is the same key
    // press, not a request to stop waiting.
    if (asking) return;
    if (!process.stdin.isTTY) {
      bar.stop();
      stopWaiting?.(new CliError(`Stopped waiting; job ${id} goes on (follow it with: porter jobs watch ${id})`, EXIT.interrupted));
      return;
    }
    asking = true;
    bar.pause();
    const cancel = await confirm(`\nCancel job ${id}? [y/N] `);
    asking = false;
    if (cancel) {
      try {
        await client.json('POST', `/api/v1/jobs/${encodeURIComponent(id)}/cancel`);
        out.note(`Cancelling job ${id}...`);
      } catch (error) {
        stopWaiting?.(error as Error);
        return;
      }
    }
    bar.resume();
  };
  process.on('SIGINT', onSigint);
  const watching = new AbortController();
  try {
    const job = await Promise.race([
      watchJob(client, id, (j) => bar.update(j.progress.percent ?? (j.status === 'succeeded' ? 100 : null), j.progress.processed, j.progress.total, j.status), watching.signal, {
        onUnreachable: unreachableNote(out, bar),
      }),
      interrupted,
    ]);
    bar.stop();
    return job;
  } finally {
    // Stopped waiting (or done): close the stream rather than leave it open behind us.
    watching.abort(new CliError('stopped watching', EXIT.interrupted));
    bar.stop();
    process.off('SIGINT', onSigint);
  }
}

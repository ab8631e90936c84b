import { ApiClient } from './client';
import { CliError, EXIT } from './errors';
import { confirm, Output } from './terminal';

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
export const POLL_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Follows a job until it ends, calling `onJob` with each state. The one place that knows how
 * updates arrive: it polls GET /jobs/{id} every second, by choice (ADR 057): one job at a time
 * needs no reconnecting stream. Moving to the job stream (server-sent events at
 * GET /jobs/{id}/stream) would change this function only.
 */
export async function watchJob(client: ApiClient, id: string, onJob: (job: Job) => void, signal?: AbortSignal): Promise<Job> {
  for (;;) {
    const job = await client.get<Job>(`/api/v1/jobs/${encodeURIComponent(id)}`);
    onJob(job);
    if (TERMINAL.includes(job.status)) return job;
    await sleep(POLL_MS);
    if (signal?.aborted) throw signal.reason;
  }
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
  try {
    const job = await Promise.race([
      watchJob(client, id, (j) => bar.update(j.progress.percent ?? (j.status === 'succeeded' ? 100 : null), j.progress.processed, j.progress.total, j.status)),
      interrupted,
    ]);
    bar.stop();
    return job;
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
  }
}

import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, session } from './api';
import { hasEndpoint } from './features';
import { readJobStream, JobStreamOutcome } from './job-stream';
import { isTerminal, Job } from './model';
import { backoff, pollDelay, POLL_MS } from './poll-policy';

export { POLL_MS } from './poll-policy';

/**
 * Streams one tab keeps open at once. A browser opens at most 6 HTTP/1.1 connections to one
 * server and a stream holds one for as long as its job runs: a jobs page of 20 running jobs
 * would otherwise leave no connection for anything else. Jobs beyond this poll, and take a
 * stream when one frees up.
 */
export const MAX_STREAMS = 3;

let streamsOpen = 0;
let streamsDeclared: Promise<boolean> | null = null;
let streamsUnavailable = false;
/** Until when the server refuses more streams (429: the caller holds its JOB_STREAM_MAX_PER_USER): poll till then. */
let streamsRefusedUntil = 0;
const canStream = async () =>
  !streamsUnavailable && streamsOpen < MAX_STREAMS && Date.now() >= streamsRefusedUntil && (await (streamsDeclared ??= hasEndpoint('/api/v1/jobs/{id}/stream')));

/**
 * Follows one job until it ends: calls `onJob` with each new state and stops by itself after a
 * terminal one. The one place that knows HOW updates arrive, for every progress bar of the
 * console: the job is read once (GET /jobs/{id}), then followed on its server-sent event stream
 * (GET /jobs/{id}/stream, read with fetch: docs/adr/043), which sends status and progress as they
 * change; a status change reads the whole job again (position, attempts, output files…). A cut
 * stream resumes with Last-Event-ID. Without a free stream (MAX_STREAMS) or on a server that has
 * none, it polls GET /jobs/{id} instead: every POLL_MS while the job runs, slower while it waits
 * (poll-policy.ts pollDelay: a pending job every 5 s, a scheduled one when it falls due and at
 * most once a minute before). A scheduled job takes no stream (it may wait for hours). After a
 * 429 every watcher of the tab waits (poll-policy.ts Backoff).
 */
export function watchJob(id: string, onJob: (job: Job) => void, onError: (error: ApiError) => void = () => undefined): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let controller: AbortController | null = null;
  let current: Job | null = null;
  const lastEventId = { value: null as string | null };

  /** Reads the whole job; false once it is final (nothing more to follow). */
  const refresh = async (): Promise<boolean> => {
    const job = await get<Job>(`/jobs/${encodeURIComponent(id)}`);
    if (stopped) return false;
    current = job;
    onJob(job);
    return !isTerminal(job.status);
  };

  const stream = async (): Promise<JobStreamOutcome> => {
    streamsOpen++;
    controller = new AbortController();
    try {
      return await readJobStream(
        id,
        lastEventId,
        {
          onStatus: (status) => {
            if (stopped || !current || status === current.status) return;
            current = { ...current, status: status as Job['status'] };
            onJob(current);
            if (!isTerminal(status)) void refresh().catch(() => undefined);
          },
          onProgress: (progress) => {
            if (stopped || !current) return;
            current = { ...current, progress };
            onJob(current);
          },
        },
        controller.signal,
      );
    } finally {
      streamsOpen--;
      controller = null;
    }
  };

  /** True right after the job was read (or a stream cut): the next step need not read it again. */
  let fresh = false;
  const step = async () => {
    let streaming = false;
    let delay = POLL_MS;
    // Rate-limited (429), or signed out (a sign-in is on its way): ask nothing till then.
    const wait = backoff.remaining();
    if (wait > 0 || !session.token()) {
      timer = setTimeout(step, wait || POLL_MS);
      return;
    }
    try {
      if (!fresh || !current) {
        if (!(await refresh())) return;
      }
      fresh = false;
      if (stopped || !current) return;
      backoff.answered();
      // A scheduled job takes no stream (it may wait for hours): it is read again when due.
      if (current.status !== 'scheduled' && (await canStream())) {
        streaming = true;
        const outcome = await stream();
        if (stopped) return;
        if (outcome === 'ended') {
          await refresh();
          return;
        }
        if (outcome === 'unavailable') streamsUnavailable = true;
        else fresh = true; // cut: the next step resumes the stream (Last-Event-ID) without a read first
      } else {
        delay = pollDelay(current);
      }
    } catch (error) {
      if (stopped) return;
      const problem = (error as ApiError).problem;
      // No free stream on the server: not an error the page shows; the job is polled meanwhile.
      if (streaming && problem?.status === 429) streamsRefusedUntil = Date.now() + 30_000;
      else if (problem?.status === 429) delay = backoff.refused(Date.now(), (error as ApiError).retryAfterSeconds);
      else {
        onError(error as ApiError);
        if (current) delay = pollDelay(current);
      }
      if (problem?.status === 404) return;
    }
    if (!stopped) timer = setTimeout(step, delay);
  };
  void step();
  return () => {
    stopped = true;
    clearTimeout(timer);
    controller?.abort();
  };
}

/** The job, kept current while it runs (`initial` shows at once; terminal ones are not watched). */
export function useJob(id: string | null | undefined, initial?: Job | null): { job: Job | null; error: ApiError | null; reload: () => void } {
  const [job, setJob] = useState<Job | null>(initial ?? null);
  const [error, setError] = useState<ApiError | null>(null);
  const [generation, setGeneration] = useState(0);
  const initialTerminal = initial ? isTerminal(initial.status) : false;
  useEffect(() => {
    if (!id || (initialTerminal && generation === 0)) return undefined;
    return watchJob(id, (next) => {
      setError(null);
      setJob(next);
    }, setError);
  }, [id, generation, initialTerminal]);
  // A list read again hands a new `initial`: it wins, unless this row's own watcher already saw
  // the same status further on (the list's read may be older than the stream's last progress).
  useEffect(() => {
    if (initial) setJob((prev) => (prev && prev.id === initial.id && prev.status === initial.status && prev.progress.processed > initial.progress.processed ? prev : initial));
  }, [initial]);
  return { job, error, reload: () => setGeneration((g) => g + 1) };
}

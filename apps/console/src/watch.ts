import { useEffect, useState } from 'preact/hooks';
import { ApiError, get } from './api';
import { isTerminal, Job } from './model';

/** How often a running job is read again while no live stream exists. */
export const POLL_MS = 1000;

/**
 * Follows one job until it ends: calls `onJob` with each new state and stops by itself after a
 * terminal one. The one place that knows HOW updates arrive: it polls GET /jobs/{id} now; the
 * job stream (GET /jobs/{id}/stream, server-sent events) replaces the loop here, and every
 * progress bar of the console follows.
 */
export function watchJob(id: string, onJob: (job: Job) => void, onError: (error: ApiError) => void = () => undefined): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    try {
      const job = await get<Job>(`/jobs/${encodeURIComponent(id)}`);
      if (stopped) return;
      onJob(job);
      if (isTerminal(job.status)) return;
    } catch (error) {
      if (stopped) return;
      onError(error as ApiError);
      if ((error as ApiError).problem?.status === 404) return;
    }
    timer = setTimeout(tick, POLL_MS);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
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
  useEffect(() => {
    if (initial) setJob(initial);
  }, [initial]);
  return { job, error, reload: () => setGeneration((g) => g + 1) };
}

import { ApiProblemError, CliError } from './errors';

/**
 * How long a command that waits on a job (`--wait`, `jobs watch`) goes on trying an API it
 * cannot reach: an API restarting (a deploy, a crash) is back within seconds, and giving up then
 * would leave the user without the file of a job that went on running.
 */
export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  /** Continuous unreachability after which the last error is given up on. */
  giveUpAfterMs: number;
}

export const WAIT_RETRY: RetryPolicy = { firstDelayMs: 500, maxDelayMs: 5000, giveUpAfterMs: 120_000 };

/**
 * An answer that says nothing about the request, only that the API is not there right now: no
 * connection (refused, reset: status 0 in the client's problem), or a proxy's 502/503/504.
 */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof CliError)) return false;
  if (error instanceof ApiProblemError) return [502, 503, 504].includes(error.problem?.status ?? 0);
  return error.problem?.status === 0;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * `call`, again and again while it fails for an unreachable API: after 0.5 s, doubling to 5 s
 * between tries, for at most `policy.giveUpAfterMs` from the first failure. `onUnreachable` is
 * told once, at the first failure (the note on the terminal); `giveUp` turns the last error into
 * the one thrown (saying what the user can do next). Any other failure is thrown at once.
 */
export interface RetryOptions {
  policy?: RetryPolicy;
  signal?: AbortSignal;
  onUnreachable?: (error: CliError) => void;
  giveUp?: (error: CliError) => Error;
}

export async function retryWhileUnreachable<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? WAIT_RETRY;
  let since: number | null = null;
  let delay = policy.firstDelayMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (options.signal?.aborted || !isUnreachable(error)) throw error;
      const now = Date.now();
      if (since === null) {
        since = now;
        options.onUnreachable?.(error as CliError);
      }
      if (now - since >= policy.giveUpAfterMs) throw options.giveUp ? options.giveUp(error as CliError) : error;
      await sleep(Math.min(delay, Math.max(0, since + policy.giveUpAfterMs - now)), options.signal);
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}

/**
 * Throw from a probe when the awaited state can no longer come (e.g. a job ended with another
 * status): `waitFor` rethrows it at once instead of polling on until the deadline. Any other error
 * a probe throws is taken as "not yet" (a process still starting, a transient refusal).
 */
export class StopWaiting extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StopWaiting';
  }
}

/**
 * Polls `probe` until it returns a value that is not undefined/false, or fails after `timeoutMs`
 * with the last value seen. Tests wait on state this way, never on fixed sleeps. A probe throwing
 * StopWaiting ends the wait at once with that error.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  { timeoutMs = 20_000, intervalMs = 50, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      lastError = undefined;
      if (last !== undefined && last !== false && last !== null) return last as T;
    } catch (error) {
      if (error instanceof StopWaiting) throw error;
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(last)}${lastError ? `; last error: ${(lastError as Error).message}` : ''}`,
  );
}

/**
 * Returns once the wall clock is at least `marginMs` before the next turn of a `periodMs` period
 * (a minute by default), waiting for the turn first when it is closer: for a test whose steps must
 * all happen before a cron tick, or inside one fixed window.
 */
export async function clearOfTurn(marginMs: number, periodMs = 60_000): Promise<void> {
  const left = periodMs - (Date.now() % periodMs);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 50));
}

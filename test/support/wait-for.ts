/** Thrown by a probe to stop waiting at once (e.g. the process being waited for has exited). */
export class StopWaiting extends Error {}

/**
 * Polls `probe` until it returns a value that is not undefined/false, or fails after `timeoutMs`
 * with the last value seen. Tests wait on state this way, never on fixed sleeps. Other errors
 * the probe throws count as "not yet"; a StopWaiting fails the wait immediately.
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

/**
 * Closes a BullMQ worker at shutdown within a bound: `waitMs` for its clean close (it waits for
 * its running jobs and closes its connections, QUIT included), then by force, itself given at most
 * FORCED_CLOSE_WAIT_MS. A clean close never ends while Redis is unreachable (ioredis holds the
 * QUIT for a reconnect), and a stopping process must not spend its whole SHUTDOWN_GRACE_MS, then
 * exit 1, on a connection it is leaving anyway. Calling it again after `worker.close()` is fine:
 * BullMQ's close is idempotent. Resolves true when the clean close ended in time.
 */
export async function closeBullWorker(worker: { close(force?: boolean): Promise<void> }, waitMs: number): Promise<boolean> {
  const clean = worker.close().then(
    () => true,
    () => true,
  );
  if (await Promise.race([clean, sleep(waitMs).then(() => false)])) return true;
  await Promise.race([worker.close(true).catch(() => undefined), sleep(FORCED_CLOSE_WAIT_MS)]);
  return false;
}

const FORCED_CLOSE_WAIT_MS = 500;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

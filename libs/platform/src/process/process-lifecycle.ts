import { shutdownTracing } from '../tracing/tracing-state';
import { ConfigError, loadConfig, PorterConfig } from '../config/porter-config';

/**
 * Validates the configuration before anything else starts; a bad setting ends the process with
 * exit code 1 and one line naming the variable (no stack trace).
 */
export function loadConfigOrExit(processName: string): PorterConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${processName}: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/**
 * Part of SHUTDOWN_GRACE_MS that the job drain may use; the rest is kept for the hooks that run
 * after it (closing the queue, database pools and Redis), so that the whole shutdown, not only
 * the drain, ends within the grace period.
 */
export function shutdownDrainBudgetMs(graceMs: number): number {
  return Math.max(0, graceMs - Math.min(1000, Math.floor(graceMs / 5)));
}

/**
 * On SIGTERM/SIGINT: run `close` (Nest's app.close(): every module's shutdown hook) and exit 0,
 * or 1 if it fails. The whole shutdown is bounded by `graceMs` (SHUTDOWN_GRACE_MS): a hook still
 * running then is abandoned and the process exits 1; nothing is lost (a job whose release was not
 * written is recovered by lease expiry). Only the first signal counts: `npm start` forwards
 * SIGTERM while a terminal's Ctrl-C also delivers SIGINT, and closing twice would race.
 */
export function exitOnSignals(close: () => Promise<void>, graceMs: number, onSignal: (signal: string) => void): void {
  let closing = false;
  const shutDown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    onSignal(signal);
    setTimeout(() => {
      process.stderr.write(`shutdown did not finish within SHUTDOWN_GRACE_MS (${graceMs} ms); exiting now\n`);
      process.exit(1);
    }, graceMs).unref();
    close().then(
      () => shutdownTracing().then(() => process.exit(0)),
      () => shutdownTracing().then(() => process.exit(1)),
    );
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, shutDown);
}

/** A start failure the operator fixes outside the code (a port in use...): reported in one line, no stack. */
export class StartError extends Error {}

/**
 * Last words of a process that failed to start: one line. A failure of its surroundings (a
 * StartError, or a system or database error that carries a code: Postgres or Redis unreachable,
 * a port in use, a database refused) is its message and code, for the operator to act on; anything
 * else is a bug, reported with its stack.
 */
export function exitOnStartFailure(processName: string) {
  return (error: unknown): never => {
    const code = (error as { code?: unknown } | null)?.code;
    const detail =
      error instanceof StartError
        ? error.message
        : typeof code === 'string' && error instanceof Error
          ? `${error.message}${error.message.includes(code) ? '' : ` (${code})`}`
          : ((error as Error)?.stack ?? String(error));
    process.stderr.write(`${processName}: failed to start: ${detail}\n`);
    process.exit(1);
  };
}

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
 * On SIGTERM/SIGINT: run `close` (Nest's app.close(): every module's shutdown hook) and exit 0,
 * or 1 if it fails. A hard deadline guards against a hung hook; nothing is lost if it fires
 * (jobs are recovered by lease expiry).
 */
export function exitOnSignals(close: () => Promise<void>, graceMs: number, onSignal: (signal: string) => void): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      onSignal(signal);
      setTimeout(() => process.exit(1), graceMs + 5000).unref();
      close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

/** Last words of a process that failed to start. */
export function exitOnStartFailure(processName: string) {
  return (error: unknown): never => {
    process.stderr.write(`${processName}: failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  };
}

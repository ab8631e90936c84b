import { format } from 'util';

const LEVELS = { error: 50, warn: 40, info: 30, log: 30 } as const;

/**
 * Makes what libraries print with `console.*` JSON lines like the rest of the log (pino's shape:
 * level, time, service, pid, context, msg). BullMQ, for one, `console.error`s a raw multi-line
 * Error when a queue has no error listener yet: with Redis down at start, each queue printed one
 * before the process's own listeners were in place. Called first thing in each process.
 *
 * Process warnings (`process.emitWarning`: the AWS SDK's NodeVersionSupportWarning, deprecations)
 * are warnings: Node's own listener prints them through `console.error`, which made each one an
 * error-level line that error alerting would page for. They go out at level 40 instead, with
 * their name and code (`context: "process"`).
 */
export function consoleAsJsonLines(write: (line: string) => void = (line) => void process.stderr.write(line)): void {
  const line = (level: number, context: string, msg: string, extra: Record<string, unknown> = {}) =>
    write(`${JSON.stringify({ level, time: Date.now(), service: 'porter', pid: process.pid, context, msg, ...extra })}\n`);
  for (const method of Object.keys(LEVELS) as Array<keyof typeof LEVELS>) {
    console[method] = (...args: unknown[]) => line(LEVELS[method], 'console', format(...args));
  }
  // Node's default listener is only there when warnings are printed (no --no-warnings): replaced,
  // not joined, so that a warning is one line, not two.
  const printed = process.listenerCount('warning') > 0;
  process.removeAllListeners('warning');
  if (printed) {
    process.on('warning', (warning: Error & { code?: string }) =>
      line(40, 'process', `${warning.name}: ${warning.message}`, warning.code ? { code: warning.code } : {}),
    );
  }
}

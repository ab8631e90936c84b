import { format } from 'util';

const LEVELS = { error: 50, warn: 40, info: 30, log: 30 } as const;

/**
 * Makes what libraries print with `console.*` JSON lines like the rest of the log (pino's shape:
 * level, time, service, pid, context, msg). BullMQ, for one, `console.error`s a raw multi-line
 * Error when a queue has no error listener yet: with Redis down at start, each queue printed one
 * before the process's own listeners were in place. Called first thing in each process.
 */
export function consoleAsJsonLines(write: (line: string) => void = (line) => void process.stderr.write(line)): void {
  for (const method of Object.keys(LEVELS) as Array<keyof typeof LEVELS>) {
    console[method] = (...args: unknown[]) =>
      write(`${JSON.stringify({ level: LEVELS[method], time: Date.now(), service: 'porter', pid: process.pid, context: 'console', msg: format(...args) })}\n`);
  }
}

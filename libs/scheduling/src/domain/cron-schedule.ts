import { Cron } from 'croner';
import type { FieldError } from '@porter/shared-kernel';

/** Two runs of a schedule are never closer than this (ADR 048): no second-level fields. */
export const MIN_RUN_INTERVAL_MS = 60_000;
const MAX_CRON_LENGTH = 100;
/** Occurrences counted when telling how many ticks a recovery skipped (the count is informative). */
const MAX_COUNTED_MISSED = 1000;

/**
 * A schedule's cron expression in an IANA time zone. Five fields (minute hour day-of-month month
 * day-of-week, or a nickname such as `@daily`), day-of-month and day-of-week ORed as in Vixie cron.
 * Local times that do not exist (spring forward) run at the first instant after the gap; local
 * times that happen twice (fall back) run at the first of the two (croner; tested in domain.spec).
 */
export class CronSchedule {
  private constructor(
    readonly cron: string,
    readonly timezone: string,
    private readonly pattern: Cron,
  ) {}

  /** Parses and checks both fields; every problem is reported on its field (`cron`, `timezone`). */
  static parse(cron: unknown, timezone: unknown, probeFrom: Date = new Date()): { schedule: CronSchedule | null; errors: FieldError[] } {
    const errors: FieldError[] = [];
    const zone = typeof timezone === 'string' ? timezone.trim() : '';
    if (!zone) errors.push({ path: 'timezone', message: 'is required: an IANA time zone such as "Europe/Berlin" or "UTC"' });
    else if (!isIanaTimeZone(zone)) errors.push({ path: 'timezone', message: `unknown time zone ${JSON.stringify(timezone)}: use an IANA name such as "Europe/Berlin" or "UTC"` });
    const expression = typeof cron === 'string' ? cron.trim().replace(/\s+/g, ' ') : '';
    let pattern: Cron | null = null;
    if (!expression) {
      errors.push({ path: 'cron', message: 'is required: five fields "minute hour day-of-month month day-of-week", e.g. "0 6 * * 1-5"' });
    } else if (expression.length > MAX_CRON_LENGTH) {
      errors.push({ path: 'cron', message: `must be at most ${MAX_CRON_LENGTH} characters` });
    } else if (expression.startsWith('@') && !CRON_NICKNAMES.includes(expression.toLowerCase())) {
      errors.push({ path: 'cron', message: `is not a valid cron expression: ${JSON.stringify(expression)} is not a nickname a schedule takes (${CRON_NICKNAMES.join(', ')}), or use five fields "minute hour day-of-month month day-of-week"` });
    } else if (!expression.startsWith('@') && expression.split(' ').length !== 5) {
      errors.push({
        path: 'cron',
        message:
          expression.split(' ').length > 5
            ? 'has a seconds (or year) field: schedules run at most once per minute, use five fields "minute hour day-of-month month day-of-week"'
            : 'must have five fields "minute hour day-of-month month day-of-week"',
      });
    } else {
      try {
        pattern = new Cron(expression, { mode: '5-part', paused: true, timezone: errors.length ? undefined : zone });
      } catch (error) {
        errors.push({ path: 'cron', message: `is not a valid cron expression: ${cronMessage(error)}` });
      }
    }
    if (!pattern) return { schedule: null, errors };
    // With a bad time zone the pattern was built in UTC: whether it ever runs, and how often, is
    // still worth saying in the same answer (every bad field at once).
    const schedule = new CronSchedule(expression, zone, pattern);
    const probe = schedule.nextRuns(probeFrom, 3);
    if (!probe.length) errors.push({ path: 'cron', message: 'never runs (no date matches it)' });
    else if (probe.some((run, i) => i > 0 && run.getTime() - probe[i - 1].getTime() < MIN_RUN_INTERVAL_MS)) {
      errors.push({ path: 'cron', message: 'runs more often than once per minute' });
    }
    return errors.length ? { schedule: null, errors } : { schedule, errors: [] };
  }

  /** The first run strictly after `after`, or null when there is none. */
  nextRun(after: Date): Date | null {
    return this.pattern.nextRun(after) ?? null;
  }

  /** The next `count` runs strictly after `after` (the preview of GET /export-schedules/{id}). */
  nextRuns(after: Date, count: number): Date[] {
    return this.pattern.nextRuns(count, after);
  }

  /**
   * What one ticker pass does with a due schedule (ADR 047): however many runs were missed since
   * `due` (the stored next run, at or before `now`), ONE run happens, for the latest of them;
   * the schedule then waits for its first run after `now`.
   */
  planTick(due: Date, now: Date): { tickAt: Date; missedTicks: number; nextRunAt: Date | null } {
    let tickAt = due;
    let missedTicks = 0;
    for (let next = this.nextRun(tickAt); next && next.getTime() <= now.getTime(); next = this.nextRun(tickAt)) {
      if (missedTicks === MAX_COUNTED_MISSED) {
        // A long outage of a frequent schedule: jump to the latest run instead of walking to it.
        const latest = this.pattern.previousRuns(1, new Date(now.getTime() + 1))[0];
        if (latest && latest.getTime() > tickAt.getTime()) tickAt = latest;
        break;
      }
      tickAt = next;
      missedTicks++;
    }
    return { tickAt, missedTicks, nextRunAt: this.nextRun(now.getTime() >= tickAt.getTime() ? now : tickAt) };
  }
}

export function isIanaTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The nicknames croner reads as a time (it also knows @reboot, which is no time and no schedule). */
const CRON_NICKNAMES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly'];

function cronMessage(error: unknown): string {
  return ((error as Error).message ?? String(error)).replace(/^CronPattern:\s*/, '');
}

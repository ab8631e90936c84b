/**
 * How often the console reads a job or a list again, and how it backs off when the API says
 * 429. No DOM and no fetch here: the unit tests read it as is (test/console/poll-policy.spec.ts).
 *
 * What an idle tab costs (docs/console.md, "Live progress"): a jobs list reads its page once every
 * LIST_REFRESH_MS while a row is unfinished, and follows only running (and cancelling) rows one by
 * one; a scheduled job is read again when it falls due (and at most once a minute before that),
 * a pending one every PENDING_POLL_MS.
 */

/** A running or cancelling job with no stream of its own is read this often: its bar moves. */
export const POLL_MS = 1000;
/** A pending job (waiting for a worker): it starts soon, but nothing on it moves meanwhile. */
export const PENDING_POLL_MS = 5000;
/** A scheduled job before it is due: read at most this often, and once just after it falls due. */
export const SCHEDULED_POLL_MS = 60_000;
/** The jobs list reads its page again this often while one of its rows is unfinished. */
export const LIST_REFRESH_MS = 5000;
/** After a 429: wait this long first, doubling on each further 429, up to MAX_BACKOFF_MS. */
export const FIRST_BACKOFF_MS = 5000;
export const MAX_BACKOFF_MS = 60_000;

export interface PolledJob {
  status: string;
  scheduledFor: string | null;
}

/** Statuses whose bar moves: followed live (a stream, else every POLL_MS). */
export const isMoving = (status: string) => status === 'running' || status === 'cancelling';

/** How long to wait before reading `job` again (it is not final). */
export function pollDelay(job: PolledJob, now = Date.now()): number {
  if (job.status === 'scheduled') {
    const due = job.scheduledFor ? Date.parse(job.scheduledFor) - now : NaN;
    // Due (or overdue: waiting for the queue to promote it): as a pending job.
    if (!(due > 0)) return PENDING_POLL_MS;
    return Math.max(POLL_MS, Math.min(SCHEDULED_POLL_MS, due + 500));
  }
  if (job.status === 'pending') return PENDING_POLL_MS;
  return POLL_MS;
}

/**
 * One tab's answer to 429 (per address, per tenant or too many streams): every poller of the tab
 * waits until `until()` before its next request, so a rate-limited tab goes quiet instead of
 * asking again every second. The wait is FIRST_BACKOFF_MS doubled per consecutive 429 (the API's
 * windows are a minute long), or the answer's Retry-After when that is longer (api.ts passes it on
 * as ApiError.retryAfterSeconds), and the doubling is reset by the next answer that is not a 429.
 */
export class Backoff {
  private waitMs = 0;
  private untilMs = 0;

  /** A 429 came back at `now`: how long to wait. `retryAfterSeconds`, when known, is honoured. */
  refused(now = Date.now(), retryAfterSeconds?: number): number {
    this.waitMs = this.waitMs ? Math.min(MAX_BACKOFF_MS, this.waitMs * 2) : FIRST_BACKOFF_MS;
    const wait = Math.max(this.waitMs, (retryAfterSeconds ?? 0) * 1000);
    this.untilMs = Math.max(this.untilMs, now + wait);
    return this.untilMs - now;
  }

  /** An answer that was not a 429. */
  answered(): void {
    this.waitMs = 0;
  }

  /** How long from `now` every poller still waits (0: go ahead). */
  remaining(now = Date.now()): number {
    return Math.max(0, this.untilMs - now);
  }
}

/** The tab's one Backoff, shared by every watcher and list refresh. */
export const backoff = new Backoff();

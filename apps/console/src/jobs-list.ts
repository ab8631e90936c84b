/** What the jobs list says and where it goes; no DOM here, so the unit tests read it as is. */

/**
 * The jobs list's own address, its filters and page changed: the path it is shown at (`/console/`
 * or `/console/jobs`). Changing the path would mount the page afresh (main.tsx keys each page by
 * its path) and lose what was typed in Type or Query and not yet filtered by.
 */
export function jobsListHref(path: string, query: string): string {
  return `${path === '/' ? '/console/' : '/console/jobs'}${query}`;
}

/**
 * The line of an empty jobs table. A page past the end (an old link, jobs deleted since) says so,
 * as its pager does ("Past the end (N in all)"): there are jobs, filtered or not, just not that many.
 */
export function noJobsText(offset: number, total: number, filtered: boolean): string {
  return emptyPageText(offset, total, filtered ? 'No jobs match these filters.' : 'No jobs yet.', 'jobs');
}

/** The same for every paged list (exports, imports, schedules, webhooks): `empty` unless the page is past the end. */
export function emptyPageText(offset: number, total: number, empty: string, what = 'items'): string {
  return offset > 0 && total > 0 ? `No ${what} on this page: it is past the end of the list.` : empty;
}

/** The jobs list the person last looked at (with its filters and page), for the way back from a job. */
let lastList: string | null = null;

/** Called by the jobs list each time its address changes: `href` is `/console/…?…`. */
export function rememberJobsList(href: string): void {
  lastList = href;
}

/** Where "Jobs" and a deleted job lead back to: the list the person came from, else the whole list. */
export function jobsListReturn(): string {
  return lastList ?? '/console/';
}

/**
 * Whether a Status change replaces the history entry of the previous one instead of adding its
 * own: it does while the person is still stepping through the options (the last change applied
 * under `withinMs` ago, and the address is still the one it produced), so Back goes to where they
 * were before they began, not through each option they passed. Two choices made apart (the list
 * looked at in between) are two entries, as two filters typed and sent are.
 */
export function statusEditReplaces(last: { href: string; at: number } | null, here: string, now: number, withinMs = STATUS_EDIT_MS): boolean {
  return last !== null && last.href === here && now - last.at < withinMs;
}

/** A Status change is applied this long after the select last changed (arrow keys step through it). */
export const STATUS_SETTLE_MS = 400;
/** Status changes under this far apart are one edit: one history entry. */
export const STATUS_EDIT_MS = 3000;

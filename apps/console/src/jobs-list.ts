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

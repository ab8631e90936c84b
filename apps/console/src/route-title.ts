/** Tab titles; no DOM here, so the unit tests read it as is. */

/** The tab's title for a page: "Jobs — Porter". */
export const titleOf = (name: string) => `${name} — Porter`;

/** The title of a route before its page knows more (path as in router.ts: without /console). */
export function routeTitle(path: string, signedIn: boolean): string {
  if (!signedIn) return 'Sign in';
  if (path === '/' || path === '/jobs') return 'Jobs';
  if (/^\/jobs\/[^/]+$/.test(path)) return 'Job';
  if (path === '/exports') return 'Exports';
  if (/^\/exports\/[^/]+$/.test(path)) return 'Export';
  if (path === '/imports') return 'Imports';
  if (/^\/imports\/[^/]+$/.test(path)) return 'Import';
  if (path === '/schedules') return 'Schedules';
  if (/^\/schedules\/[^/]+$/.test(path)) return 'Schedule';
  if (path === '/webhooks') return 'Webhooks';
  if (/^\/webhooks\/[^/]+$/.test(path)) return 'Webhook';
  return 'Not found';
}

/**
 * Times as the console shows them, always with their zone said, and all in one format: the
 * locale's date and time with two-digit day, month, hour, minute and second ("07/12/2026,
 * 06:00:00"), whichever zone they are in. Every time on a page goes through here.
 */

export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Date and time, digits as the locale writes them (two-digit hours: "00:00", not "0:00"). */
const DATE_TIME: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' };

/** `iso` in DATE_TIME, in `extra.timeZone` (default: the viewer's), with `extra`'s zone name if asked. */
function format(iso: string, extra: Intl.DateTimeFormatOptions): string {
  try {
    return new Date(iso).toLocaleString(undefined, { ...DATE_TIME, ...extra });
  } catch {
    // An unknown zone (a schedule saved with a zone this browser does not know): the viewer's.
    return new Date(iso).toLocaleString(undefined, { ...DATE_TIME, timeZoneName: 'short' });
  }
}

/** A time in the viewer's zone, labelled with it: "07/12/2026, 06:00:00 CET". */
export const whenLocal = (iso: string | null | undefined): string => (iso ? format(iso, { timeZoneName: 'short' }) : '—');

/** A time in `zone`, labelled with the zone's name: "07/12/2026, 06:00:00 (Europe/Berlin)". */
export const whenIn = (iso: string | null | undefined, zone: string): string => (iso ? `${format(iso, { timeZone: zone })} (${zone})` : '—');

/**
 * A schedule's time in its own zone, and in the viewer's when that reads differently:
 * "07/12/2026, 06:00:00 (Europe/Berlin) · 05:00:00 GMT your time".
 */
export function whenScheduled(iso: string | null | undefined, zone: string): { main: string; local: string | null } {
  if (!iso) return { main: '—', local: null };
  const main = whenIn(iso, zone);
  const there = format(iso, { timeZone: zone });
  const here = format(iso, {});
  return { main, local: there === here ? null : `${whenLocal(iso)} your time` };
}

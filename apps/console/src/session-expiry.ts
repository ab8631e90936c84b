/** When the console warns that the token ends; no DOM here, so the unit tests read it as is. */

/** The banner shows from this long before the token's `exp`. */
export const WARN_BEFORE_MS = 5 * 60_000;

/** "14:05": the token's end in the person's own time zone, hours and minutes. */
export const endTime = (expSeconds: number) => new Date(expSeconds * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** The banner's sentence at `now`, or null (no exp, or more than WARN_BEFORE_MS left). */
export function sessionWarning(expSeconds: number | undefined, now: number): string | null {
  if (!expSeconds) return null;
  const ends = expSeconds * 1000;
  if (ends - now > WARN_BEFORE_MS) return null;
  return ends > now ? `Your session ends at ${endTime(expSeconds)} — sign in again to keep working.` : `Your session ended at ${endTime(expSeconds)} — sign in again to keep working.`;
}

/** How long until the banner should be looked at again (its start, then every 15 s till the end). */
export function nextCheckMs(expSeconds: number, now: number): number {
  const untilWarning = expSeconds * 1000 - WARN_BEFORE_MS - now;
  return untilWarning > 0 ? Math.min(untilWarning + 50, 2 ** 31 - 1) : 15_000;
}

import { Backoff, FIRST_BACKOFF_MS, isMoving, MAX_BACKOFF_MS, PENDING_POLL_MS, POLL_MS, pollDelay, SCHEDULED_POLL_MS } from '../../apps/console/src/poll-policy';
import { jobsListReturn, rememberJobsList, statusEditReplaces } from '../../apps/console/src/jobs-list';
import { sessionWarning, WARN_BEFORE_MS } from '../../apps/console/src/session-expiry';
import { routeTitle } from '../../apps/console/src/route-title';

describe('console poll policy', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const at = (ms: number) => new Date(now + ms).toISOString();

  it('reads a running job every second, a pending one every 5 s, a scheduled one when due and at most once a minute before', () => {
    expect(pollDelay({ status: 'running', scheduledFor: null }, now)).toBe(POLL_MS);
    expect(pollDelay({ status: 'cancelling', scheduledFor: null }, now)).toBe(POLL_MS);
    expect(pollDelay({ status: 'pending', scheduledFor: null }, now)).toBe(PENDING_POLL_MS);
    expect(pollDelay({ status: 'scheduled', scheduledFor: at(3 * 3600_000) }, now)).toBe(SCHEDULED_POLL_MS);
    expect(pollDelay({ status: 'scheduled', scheduledFor: at(20_000) }, now)).toBe(20_500);
    // Overdue (the queue has not promoted it yet): as a pending job, not every second.
    expect(pollDelay({ status: 'scheduled', scheduledFor: at(-60_000) }, now)).toBe(PENDING_POLL_MS);
    expect(pollDelay({ status: 'scheduled', scheduledFor: null }, now)).toBe(PENDING_POLL_MS);
    expect(isMoving('running')).toBe(true);
    expect(isMoving('scheduled')).toBe(false);
    expect(isMoving('pending')).toBe(false);
  });

  it('backs off after a 429, doubling up to a minute, honouring a longer Retry-After, and resets on an answer', () => {
    const b = new Backoff();
    expect(b.remaining(now)).toBe(0);
    expect(b.refused(now)).toBe(FIRST_BACKOFF_MS);
    expect(b.remaining(now + 1000)).toBe(FIRST_BACKOFF_MS - 1000);
    expect(b.refused(now + FIRST_BACKOFF_MS)).toBe(2 * FIRST_BACKOFF_MS);
    for (let i = 0; i < 10; i++) b.refused(now);
    expect(b.remaining(now)).toBeLessThanOrEqual(MAX_BACKOFF_MS + 2 * FIRST_BACKOFF_MS);
    const c = new Backoff();
    expect(c.refused(now, 42)).toBe(42_000);
    c.answered();
    expect(c.refused(now + 60_000)).toBe(FIRST_BACKOFF_MS);
  });
});

describe('console jobs list: the way back and Status edits', () => {
  it('leads back to the list the person came from', () => {
    expect(jobsListReturn()).toBe('/console/');
    rememberJobsList('/console/?status=failed');
    expect(jobsListReturn()).toBe('/console/?status=failed');
  });

  it('makes Status changes in quick succession one history entry, and changes made apart two', () => {
    expect(statusEditReplaces(null, '/console/', 0)).toBe(false);
    const last = { href: '/console/?status=pending', at: 1000 };
    expect(statusEditReplaces(last, '/console/?status=pending', 2000)).toBe(true);
    expect(statusEditReplaces(last, '/console/?status=pending', 10_000)).toBe(false);
    // The person went elsewhere (Back, a filter sent) since: a new entry.
    expect(statusEditReplaces(last, '/console/', 2000)).toBe(false);
  });
});

describe('console session warning and titles', () => {
  it('warns only in the last minutes of the token, and says when it ended', () => {
    const now = Date.now();
    const exp = Math.floor(now / 1000) + 3600;
    expect(sessionWarning(exp, now)).toBeNull();
    expect(sessionWarning(undefined, now)).toBeNull();
    expect(sessionWarning(exp, exp * 1000 - WARN_BEFORE_MS + 1000)).toMatch(/^Your session ends at \d\d:\d\d — sign in again to keep working\.$/);
    expect(sessionWarning(exp, exp * 1000 + 1000)).toMatch(/^Your session ended at \d\d:\d\d/);
  });

  it('names each route', () => {
    expect(routeTitle('/', true)).toBe('Jobs');
    expect(routeTitle('/jobs/abc', true)).toBe('Job');
    expect(routeTitle('/schedules/x', true)).toBe('Schedule');
    expect(routeTitle('/nope', true)).toBe('Not found');
    expect(routeTitle('/', false)).toBe('Sign in');
  });
});

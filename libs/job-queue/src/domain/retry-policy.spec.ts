import { backoffDelayMs, currentOutage, decideAfterFailure, decideAfterOutage, describeDelay, OUTAGE_RETRY_MAX_DELAY_MS, outageDelayMs } from './retry-policy';

const HOUR = 3600_000;
const T0 = Date.parse('2026-12-06T02:00:00.000Z');

describe('retry policy', () => {
  it('backs off exponentially, capped at an hour, and fails once the attempts are used up', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelayMs(a, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffDelayMs(40, 1000)).toBe(HOUR);
    expect(decideAfterFailure({ attempt: 2, maxAttempts: 3, backoffMs: 1000, retryable: true, message: 'x' })).toEqual({ kind: 'retry', delayMs: 2000 });
    expect(decideAfterFailure({ attempt: 3, maxAttempts: 3, backoffMs: 1000, retryable: true, message: 'x' })).toEqual({
      kind: 'fail',
      reason: 'x (attempt 3 of 3; no attempts left)',
    });
    expect(decideAfterFailure({ attempt: 1, maxAttempts: 3, backoffMs: 1000, retryable: false, message: 'x' })).toEqual({ kind: 'fail', reason: 'x' });
  });
});

describe('outage retries (ADR 091)', () => {
  it('waits the backoff, doubling, up to a minute (or the backoff itself when it is longer)', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((n) => outageDelayMs(n, 1000))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(outageDelayMs(0, 0)).toBe(1);
    expect(outageDelayMs(3, 5 * 60_000)).toBe(5 * 60_000);
    expect(OUTAGE_RETRY_MAX_DELAY_MS).toBe(60_000);
  });

  it('starts an outage at the first such failure, and continues the one the last retry was for', () => {
    expect(currentOutage(null, T0, HOUR)).toEqual({ sinceMs: T0, retries: 0 });
    const last = { type: 'retrying', atMs: T0 + 10_000, data: { outageSince: new Date(T0).toISOString(), outageRetries: 3, delayMs: 8000 } };
    expect(currentOutage(last, T0 + 20_000, HOUR)).toEqual({ sinceMs: T0, retries: 3 });
    // A counted failure in between (no outage in its retry), a manual retry, or a gap longer than a window: a new outage.
    expect(currentOutage({ ...last, data: { delayMs: 2000 } }, T0 + 20_000, HOUR)).toEqual({ sinceMs: T0 + 20_000, retries: 0 });
    expect(currentOutage({ type: 'retried', atMs: T0 + 10_000, data: {} }, T0 + 20_000, HOUR)).toEqual({ sinceMs: T0 + 20_000, retries: 0 });
    expect(currentOutage(last, T0 + 10_000 + HOUR + 8001, HOUR)).toEqual({ sinceMs: T0 + 10_000 + HOUR + 8001, retries: 0 });
    // A small window with a longer delay: the next failure still belongs to the same outage.
    expect(currentOutage(last, T0 + 10_000 + 8000 + 5000, 5000)).toEqual({ sinceMs: T0, retries: 3 });
  });

  it('does not count the attempt within the window, and counts it again past the window or when turned off', () => {
    expect(decideAfterOutage({ outage: { sinceMs: T0, retries: 2 }, nowMs: T0 + 30_000, windowMs: HOUR, backoffMs: 1000 })).toEqual({
      kind: 'uncounted',
      delayMs: 4000,
      outage: { sinceMs: T0, retries: 3 },
    });
    expect(decideAfterOutage({ outage: { sinceMs: T0, retries: 70 }, nowMs: T0 + HOUR, windowMs: HOUR, backoffMs: 1000 })).toEqual({
      kind: 'counted',
      outage: { sinceMs: T0, retries: 70 },
    });
    expect(decideAfterOutage({ outage: { sinceMs: T0, retries: 0 }, nowMs: T0, windowMs: 0, backoffMs: 1000 }).kind).toBe('counted');
  });

  it('says a delay the way a job error reads', () => {
    expect([200, 1000, 30_000, 60_000, 90_000].map(describeDelay)).toEqual(['200 ms', '1 s', '30 s', '1 min', '1 min 30 s']);
  });
});

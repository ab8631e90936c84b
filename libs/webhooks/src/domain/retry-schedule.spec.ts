import { MAX_DELIVERY_ATTEMPTS, nominalRetryDelayMs, retryDelayMs } from './retry-schedule';

describe('webhook retry schedule', () => {
  const base = 30_000;

  it('doubles from the base, capped at 2 h for the default base', () => {
    const delays = Array.from({ length: MAX_DELIVERY_ATTEMPTS - 1 }, (_, i) => nominalRetryDelayMs(i + 1, base)! / 60_000);
    expect(delays.slice(0, 10)).toEqual([0.5, 1, 2, 4, 8, 16, 32, 64, 120, 120]);
    expect(Math.max(...delays)).toBe(120);
  });

  it('gives up after 20 attempts spread over about a day', () => {
    expect(nominalRetryDelayMs(MAX_DELIVERY_ATTEMPTS, base)).toBeNull();
    let total = 0;
    for (let attempt = 1; attempt < MAX_DELIVERY_ATTEMPTS; attempt++) total += nominalRetryDelayMs(attempt, base)!;
    expect(total / 3_600_000).toBeGreaterThan(23);
    expect(total / 3_600_000).toBeLessThan(25);
  });

  it('jitters each wait within ±20% of the nominal one', () => {
    expect(retryDelayMs(3, base, () => 0)).toBe(0.8 * 120_000);
    expect(retryDelayMs(3, base, () => 0.5)).toBe(120_000);
    expect(retryDelayMs(3, base, () => 0.99)).toBe(Math.round(1.196 * 120_000));
    expect(retryDelayMs(MAX_DELIVERY_ATTEMPTS, base, () => 0.5)).toBeNull();
  });

  it('scales with the base (tests use a short one)', () => {
    expect([1, 2, 3].map((a) => nominalRetryDelayMs(a, 50))).toEqual([50, 100, 200]);
  });
});

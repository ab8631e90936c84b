import { StopWaiting, waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first value the probe gives that is not undefined, null or false', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : false), { timeoutMs: 2_000, intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('takes an ordinary error from the probe as "not yet", and reports the last one on timeout', async () => {
    // Counted, not timed: a busy machine may let only one try fit in a short timeout.
    let calls = 0;
    const value = await waitFor(
      () => {
        if (++calls < 3) throw new Error('not listening yet');
        return 'listening';
      },
      { timeoutMs: 10_000, intervalMs: 1, what: 'the api' },
    );
    expect({ value, calls }).toEqual({ value: 'listening', calls: 3 });

    await expect(
      waitFor(
        () => {
          throw new Error('not listening yet');
        },
        { timeoutMs: 100, intervalMs: 5, what: 'the api' },
      ),
    ).rejects.toThrow(/Timed out after 100 ms waiting for the api.*last error: not listening yet/);
  });

  it('stops at once when the probe throws StopWaiting', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(
      waitFor(
        () => {
          calls++;
          throw new StopWaiting('export ended failed, expected succeeded');
        },
        { timeoutMs: 10_000, intervalMs: 5 },
      ),
    ).rejects.toThrow(StopWaiting);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

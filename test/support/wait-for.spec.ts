import { StopWaiting, waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first value that is not undefined, false or null', async () => {
    let calls = 0;
    expect(await waitFor(() => (++calls < 3 ? false : `after ${calls}`), { intervalMs: 1 })).toBe('after 3');
  });

  it('keeps polling through ordinary errors and reports the last one on timeout', async () => {
    let calls = 0;
    const waiting = waitFor(
      () => {
        calls++;
        throw new Error('not up yet');
      },
      { timeoutMs: 100, intervalMs: 5, what: 'the thing' },
    );
    await expect(waiting).rejects.toThrow(/Timed out after 100 ms waiting for the thing.*last error: not up yet/);
    expect(calls).toBeGreaterThan(1);
  });

  it('fails at once when the probe throws StopWaiting', async () => {
    let calls = 0;
    const started = Date.now();
    const waiting = waitFor(
      () => {
        calls++;
        throw new StopWaiting('the process exited');
      },
      { timeoutMs: 30_000, intervalMs: 5 },
    );
    await expect(waiting).rejects.toThrow('the process exited');
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

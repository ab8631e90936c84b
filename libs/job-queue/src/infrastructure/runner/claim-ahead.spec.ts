import { AHEAD_WAIT_MS, MAX_AHEAD_PER_SLOT, ShortJobTypes } from './claim-ahead';

describe('ShortJobTypes (claim-ahead, ADR 018, 083 and 103)', () => {
  let now = 1_000_000;
  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  /** `count` handlers of `type`, each `ms` long, settled one after the other. */
  function settle(types: ShortJobTypes, type: string, ms: number, count: number): void {
    for (let i = 0; i < count; i++) {
      const startedAt = now;
      now += ms;
      types.recordHandler(type, startedAt);
    }
  }

  it('claims ahead as many jobs per slot as short handlers fit in a round, within 1..MAX_AHEAD_PER_SLOT', () => {
    const noop = new ShortJobTypes();
    settle(noop, 'noop', 0, 30);
    // a no-op handler counts as 0.25 ms: 4 ms rounds fit 16, 12 ms rounds 48 (capped)
    expect(noop.aheadPerSlot(4)).toBe(16);
    expect(noop.aheadPerSlot(12)).toBe(MAX_AHEAD_PER_SLOT);
    expect(noop.aheadPerSlot(0.5)).toBe(2);

    const twoMs = new ShortJobTypes();
    settle(twoMs, 'two', 2, 30);
    expect(twoMs.aheadPerSlot(5)).toBe(3);
    expect(twoMs.aheadPerSlot(1)).toBe(1);

    const tenMs = new ShortJobTypes();
    settle(tenMs, 'ten', 10, 30);
    expect(tenMs.aheadPerSlot(4)).toBe(1);
    expect(tenMs.aheadPerSlot(60)).toBe(6);
  });

  it('never claims so deep that the last job would wait behind average handlers for more than half of AHEAD_WAIT_MS', () => {
    // ten-ms handlers and a 500 ms round (Postgres busy): 50 would fit the round, 10 fit the wait
    // (9 while the average, which started at 20 ms, is still a hair above 10)
    const tenMs = new ShortJobTypes();
    settle(tenMs, 'ten', 10, 100);
    expect([9, 10]).toContain(tenMs.aheadPerSlot(500));
    for (const handlerMs of [0, 1, 3, 7, 12, 20]) {
      const types = new ShortJobTypes();
      settle(types, 't', handlerMs, 60);
      for (const roundMs of [1, 4, 15, 60, 250, 2000]) {
        const depth = types.aheadPerSlot(roundMs);
        expect(depth).toBeGreaterThanOrEqual(1);
        expect(depth).toBeLessThanOrEqual(MAX_AHEAD_PER_SLOT);
        // within the bound, except the one job per slot always allowed
        if (depth > 1) expect(depth * Math.max(0.25, handlerMs)).toBeLessThanOrEqual(AHEAD_WAIT_MS / 2 + 1e-9);
      }
    }
  });

  it('starts from the short threshold, so a new worker claims one job ahead per slot until it has measured', () => {
    expect(new ShortJobTypes().aheadPerSlot(4)).toBe(1);
  });

  it('follows handlers that get slower, and long handlers neither count as short nor move the average', () => {
    const types = new ShortJobTypes();
    settle(types, 'mixed', 0, 30);
    expect(types.aheadPerSlot(4)).toBe(16);
    settle(types, 'mixed', 8, 30);
    expect(types.aheadPerSlot(4)).toBe(1);
    settle(types, 'mixed', 500, 1);
    expect(types.aheadPerSlot(4)).toBe(1);
    expect(types.claimAheadTypes([])).toEqual([]);
  });

  it('offers types with a short streak, whatever their attempt limit, and none while a running handler is long or of another type', () => {
    const types = new ShortJobTypes();
    settle(types, 'short', 1, 3);
    settle(types, 'single', 1, 2);
    expect(types.claimAheadTypes([])).toEqual(['short']);
    expect(types.claimAheadTypes([{ type: 'short', handlerStartedAt: now - 5 }])).toEqual(['short']);
    expect(types.claimAheadTypes([{ type: 'short', handlerStartedAt: now - 25 }])).toEqual([]);
    expect(types.claimAheadTypes([{ type: 'unknown', handlerStartedAt: now - 1 }])).toEqual([]);
    // a run still waiting for its slot (handlerStartedAt 0) does not count
    expect(types.claimAheadTypes([{ type: 'unknown', handlerStartedAt: 0 }])).toEqual(['short']);
    // a third short handler: the type is short, whatever its attempt limit (ADR 094)
    settle(types, 'single', 1, 1);
    expect(types.claimAheadTypes([]).sort()).toEqual(['short', 'single']);
  });

  it('keeps the longest wait of a job claimed ahead under AHEAD_WAIT_MS when handlers are at the short threshold', () => {
    const atThreshold = new ShortJobTypes();
    settle(atThreshold, 'slowish', 20, 60);
    expect(atThreshold.aheadPerSlot(10_000) * 20).toBeLessThan(AHEAD_WAIT_MS);
  });
});

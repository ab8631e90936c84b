import { AHEAD_WAIT_MS, MAX_AHEAD_PER_SLOT, ShortJobTypes } from './claim-ahead';

describe('ShortJobTypes (claim-ahead, ADR 018 and 083)', () => {
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
    expect(noop.aheadPerSlot(4)).toBe(MAX_AHEAD_PER_SLOT);
    expect(noop.aheadPerSlot(0.5)).toBe(2);

    const twoMs = new ShortJobTypes();
    settle(twoMs, 'two', 2, 30);
    expect(twoMs.aheadPerSlot(5)).toBe(3);
    expect(twoMs.aheadPerSlot(1)).toBe(1);

    const tenMs = new ShortJobTypes();
    settle(tenMs, 'ten', 10, 30);
    expect(tenMs.aheadPerSlot(4)).toBe(1);
    expect(tenMs.aheadPerSlot(60)).toBe(MAX_AHEAD_PER_SLOT);
  });

  it('starts from the short threshold, so a new worker claims one job ahead per slot until it has measured', () => {
    expect(new ShortJobTypes().aheadPerSlot(4)).toBe(1);
  });

  it('follows handlers that get slower, and long handlers neither count as short nor move the average', () => {
    const types = new ShortJobTypes();
    settle(types, 'mixed', 0, 30);
    expect(types.aheadPerSlot(4)).toBe(MAX_AHEAD_PER_SLOT);
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
    expect(MAX_AHEAD_PER_SLOT * 20).toBeLessThan(AHEAD_WAIT_MS);
  });
});

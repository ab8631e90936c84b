import type { PorterConfig } from '@porter/platform';
import { TooManyRequestsError } from '@porter/shared-kernel';
import type { StoredTenantLimits, TenantLimitsStore } from '../ports/tenant-limits.store.port';
import { TenantLimitsCache } from './tenant-limits.cache';

/** An in-memory tenant_queue that counts the reads the cache makes. */
class CountingStore implements TenantLimitsStore {
  readonly own = new Map<string, number>();
  waiting = 0;
  reads = 0;
  async get(): Promise<StoredTenantLimits> {
    throw new Error('the cache reads every tenant at once, not one tenant');
  }
  async pendingOverrides(): Promise<Map<string, number>> {
    this.reads++;
    await new Promise((resolve) => setImmediate(resolve));
    return new Map(this.own);
  }
  async set(tenant: string, limits: StoredTenantLimits): Promise<void> {
    if (limits.maxPendingJobs === null) this.own.delete(tenant);
    else this.own.set(tenant, limits.maxPendingJobs);
  }
  async countWaiting(_tenant: string, atMost: number): Promise<number> {
    return Math.min(this.waiting, atMost);
  }
}

const config = (maxPending: number) => ({ jobTenantMaxPendingJobs: maxPending }) as PorterConfig;

describe('TenantLimitsCache (maxPendingJobs, ADR 052 / 066)', () => {
  it('50 tenants submitting at once cost one read of the limits, shared by every submission', async () => {
    const store = new CountingStore();
    const cache = new TenantLimitsCache(store, config(0));
    await Promise.all(Array.from({ length: 200 }, (_, i) => cache.admitSubmission(`t-${i % 50}`)));
    expect(store.reads).toBe(1);
    await cache.admitSubmission('t-7');
    expect(store.reads).toBe(1);

    // After 2 s the next submission reads again (a change made on another process applies).
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 2001);
    try {
      await Promise.all([cache.admitSubmission('t-1'), cache.admitSubmission('t-2')]);
      expect(store.reads).toBe(2);
    } finally {
      clock.mockRestore();
    }
  });

  it("applies a tenant's own limit, else the configured default, and reads again once a limit changes here", async () => {
    const store = new CountingStore();
    store.own.set('small', 2);
    store.waiting = 2;
    const cache = new TenantLimitsCache(store, config(5));
    await expect(cache.admitSubmission('small')).rejects.toBeInstanceOf(TooManyRequestsError);
    await expect(cache.admitSubmission('other')).resolves.toBeUndefined();
    expect(store.reads).toBe(1);

    await store.set('small', { maxConcurrentJobs: null, maxPendingJobs: null });
    cache.forget('small');
    await expect(cache.admitSubmission('small')).resolves.toBeUndefined();
    expect(store.reads).toBe(2);
  });

  it('does not keep a failed read', async () => {
    const store = new CountingStore();
    const failing = jest.spyOn(store, 'pendingOverrides').mockRejectedValueOnce(new Error('connection lost'));
    const cache = new TenantLimitsCache(store, config(0));
    await expect(cache.admitSubmission('a')).rejects.toThrow('connection lost');
    await expect(cache.admitSubmission('a')).resolves.toBeUndefined();
    expect(failing).toHaveBeenCalledTimes(2);
  });
});

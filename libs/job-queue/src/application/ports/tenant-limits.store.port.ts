export const TENANT_LIMITS_STORE = Symbol('TENANT_LIMITS_STORE');

export interface StoredTenantLimits {
  maxConcurrentJobs: number | null;
  maxPendingJobs: number | null;
}

export interface TenantLimitsStore {
  get(tenant: string): Promise<StoredTenantLimits>;
  set(tenant: string, limits: StoredTenantLimits): Promise<void>;
  /** The tenant's waiting jobs (pending or scheduled), counted up to `atMost`. */
  countWaiting(tenant: string, atMost: number): Promise<number>;
}

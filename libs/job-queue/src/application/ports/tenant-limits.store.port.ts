export const TENANT_LIMITS_STORE = Symbol('TENANT_LIMITS_STORE');

export interface StoredTenantLimits {
  maxConcurrentJobs: number | null;
  maxPendingJobs: number | null;
}

export interface TenantLimitsStore {
  get(tenant: string): Promise<StoredTenantLimits>;
  /** Every tenant with its own maxPendingJobs (the others use the configured default), in one read. */
  pendingOverrides(): Promise<Map<string, number>>;
  set(tenant: string, limits: StoredTenantLimits): Promise<void>;
  /** The tenant's waiting jobs (pending or scheduled), counted up to `atMost`. */
  countWaiting(tenant: string, atMost: number): Promise<number>;
}

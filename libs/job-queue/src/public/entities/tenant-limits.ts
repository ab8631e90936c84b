/**
 * A tenant's job limits (ADR 052). `maxConcurrentJobs`: its jobs running at once, across every
 * worker; `maxPendingJobs`: its jobs waiting (pending or scheduled) beyond which a submission is
 * refused with 429. 0 = no limit. Each effective value is the tenant's own when set, else the
 * configured default (JOB_TENANT_MAX_CONCURRENT_JOBS, JOB_TENANT_MAX_PENDING_JOBS).
 */
export interface TenantLimits {
  tenant: string;
  maxConcurrentJobs: number;
  maxPendingJobs: number;
  /** The tenant's own values; null where the default applies. */
  overrides: { maxConcurrentJobs: number | null; maxPendingJobs: number | null };
  defaults: { maxConcurrentJobs: number; maxPendingJobs: number };
}

/** What PUT sets: a number (0 = no limit) or null (back to the default). Omitted = unchanged. */
export interface TenantLimitsChange {
  maxConcurrentJobs?: number | null;
  maxPendingJobs?: number | null;
}

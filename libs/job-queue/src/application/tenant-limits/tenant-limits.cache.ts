import { Inject, Injectable } from '@nestjs/common';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { TooManyRequestsError } from '@porter/shared-kernel';
import { TENANT_LIMITS_STORE, TenantLimitsStore } from '../ports/tenant-limits.store.port';

const TTL_MS = 2000;
/** How long a refused submitter is asked to wait: the queue needs time to take some of its jobs. */
export const PENDING_LIMIT_RETRY_AFTER_S = 10;

/**
 * Each process's view of tenants' maxPendingJobs, read again after TTL_MS (a change made on
 * another API process applies within it; on this process at once). A tenant without a limit
 * costs no query per submission.
 */
@Injectable()
export class TenantLimitsCache {
  private readonly known = new Map<string, { maxPendingJobs: number; at: number }>();

  constructor(
    @Inject(TENANT_LIMITS_STORE) private readonly store: TenantLimitsStore,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  forget(tenant: string): void {
    this.known.delete(tenant);
  }

  /**
   * Throws 429 (TooManyRequestsError) when the tenant already has maxPendingJobs jobs waiting.
   * Checked at submission: submissions racing each other may pass it by the few in flight.
   */
  async admitSubmission(tenant: string, adding = 1): Promise<void> {
    const limit = await this.maxPendingJobs(tenant);
    if (limit <= 0) return;
    const waiting = await this.store.countWaiting(tenant, limit);
    if (waiting + adding > limit) {
      throw new TooManyRequestsError(
        `Tenant ${tenant} has ${waiting} jobs waiting, its limit (maxPendingJobs) is ${limit}: submit again once some have started`,
        PENDING_LIMIT_RETRY_AFTER_S,
      );
    }
  }

  private async maxPendingJobs(tenant: string): Promise<number> {
    const hit = this.known.get(tenant);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.maxPendingJobs;
    const own = await this.store.get(tenant);
    const maxPendingJobs = own.maxPendingJobs ?? this.config.jobTenantMaxPendingJobs;
    if (this.known.size > 10_000) this.known.clear();
    this.known.set(tenant, { maxPendingJobs, at: Date.now() });
    return maxPendingJobs;
  }
}

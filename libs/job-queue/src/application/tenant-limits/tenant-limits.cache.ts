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
 *
 * The view is ONE read of every tenant's own limit (operators set few), shared by concurrent
 * submissions: a read per tenant made 50 tenants cost 50 reads per TTL on the submit path where
 * one tenant cost one, and concurrent submissions of a tenant not yet known each made their own
 * (ADR 066).
 */
@Injectable()
export class TenantLimitsCache {
  private view?: { overrides: Promise<Map<string, number>>; at: number };

  constructor(
    @Inject(TENANT_LIMITS_STORE) private readonly store: TenantLimitsStore,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  /** A limit changed on this process: the next submission reads the limits again. */
  forget(_tenant: string): void {
    this.view = undefined;
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
    let view = this.view;
    if (!view || Date.now() - view.at >= TTL_MS) {
      const read: { overrides: Promise<Map<string, number>>; at: number } = { overrides: this.store.pendingOverrides(), at: Date.now() };
      this.view = view = read;
      // A failed read is not kept: the next submission tries again.
      read.overrides.catch(() => {
        if (this.view === read) this.view = undefined;
      });
    }
    return (await view.overrides).get(tenant) ?? this.config.jobTenantMaxPendingJobs;
  }
}

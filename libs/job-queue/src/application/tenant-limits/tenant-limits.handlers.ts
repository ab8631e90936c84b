import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler, IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { FieldError, ForbiddenError, identityTextProblem, MAX_TENANT_LENGTH, Principal, ValidationError } from '@porter/shared-kernel';
import { SetTenantLimitsCommand } from '../../public/actions/set-tenant-limits.command';
import type { TenantLimits } from '../../public/entities/tenant-limits';
import { GetTenantLimitsQuery } from '../../public/queries/get-tenant-limits.query';
import { StoredTenantLimits, TENANT_LIMITS_STORE, TenantLimitsStore } from '../ports/tenant-limits.store.port';
import { TenantLimitsCache } from './tenant-limits.cache';

const BOUNDS = { maxConcurrentJobs: 100_000, maxPendingJobs: 100_000_000 } as const;

function assertOperator(principal: Principal): void {
  if (!principal.isOperator) throw new ForbiddenError('Only a platform operator may read or set tenant limits');
}

/** Any tenant a token may carry (identityTextProblem): limits can be set for every tenant that can submit. */
function assertTenant(tenant: string): void {
  const problem = typeof tenant === 'string' ? identityTextProblem(tenant, MAX_TENANT_LENGTH) : 'must be a string';
  if (problem) throw new ValidationError('The tenant is invalid', [{ path: 'tenant', message: problem }]);
}

export function toTenantLimits(tenant: string, own: StoredTenantLimits, config: PorterConfig): TenantLimits {
  const defaults = { maxConcurrentJobs: config.jobTenantMaxConcurrentJobs, maxPendingJobs: config.jobTenantMaxPendingJobs };
  return {
    tenant,
    maxConcurrentJobs: own.maxConcurrentJobs ?? defaults.maxConcurrentJobs,
    maxPendingJobs: own.maxPendingJobs ?? defaults.maxPendingJobs,
    overrides: { ...own },
    defaults,
  };
}

@QueryHandler(GetTenantLimitsQuery)
export class GetTenantLimitsHandler implements IQueryHandler<GetTenantLimitsQuery, TenantLimits> {
  constructor(
    @Inject(TENANT_LIMITS_STORE) private readonly store: TenantLimitsStore,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  async execute({ principal, tenant }: GetTenantLimitsQuery): Promise<TenantLimits> {
    assertOperator(principal);
    assertTenant(tenant);
    return toTenantLimits(tenant, await this.store.get(tenant), this.config);
  }
}

@CommandHandler(SetTenantLimitsCommand)
export class SetTenantLimitsHandler implements ICommandHandler<SetTenantLimitsCommand, TenantLimits> {
  constructor(
    @Inject(TENANT_LIMITS_STORE) private readonly store: TenantLimitsStore,
    private readonly cache: TenantLimitsCache,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  async execute({ principal, tenant, change }: SetTenantLimitsCommand): Promise<TenantLimits> {
    assertOperator(principal);
    assertTenant(tenant);
    const errors: FieldError[] = [];
    if (change === null || typeof change !== 'object' || Array.isArray(change)) {
      throw new ValidationError('The limits are invalid', [{ path: 'body', message: 'must be an object' }]);
    }
    for (const key of Object.keys(change)) {
      if (!(key in BOUNDS)) errors.push({ path: key, message: 'is not a tenant limit (maxConcurrentJobs, maxPendingJobs)' });
    }
    for (const key of Object.keys(BOUNDS) as Array<keyof typeof BOUNDS>) {
      const value = change[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > BOUNDS[key]) {
        errors.push({ path: key, message: `must be an integer from 0 (no limit) to ${BOUNDS[key]}, or null for the default` });
      }
    }
    if (errors.length) throw new ValidationError('The limits are invalid', errors);
    const current = await this.store.get(tenant);
    const next: StoredTenantLimits = {
      maxConcurrentJobs: change.maxConcurrentJobs === undefined ? current.maxConcurrentJobs : change.maxConcurrentJobs,
      maxPendingJobs: change.maxPendingJobs === undefined ? current.maxPendingJobs : change.maxPendingJobs,
    };
    await this.store.set(tenant, next);
    this.cache.forget(tenant);
    return toTenantLimits(tenant, next, this.config);
  }
}

import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { TenantLimits } from '../entities/tenant-limits';

/** Platform operators only: a tenant's job limits, effective and own (ADR 052). */
export class GetTenantLimitsQuery extends Query<TenantLimits> {
  constructor(
    readonly principal: Principal,
    readonly tenant: string,
  ) {
    super();
  }
}

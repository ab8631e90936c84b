import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { TenantLimits, TenantLimitsChange } from '../entities/tenant-limits';

/** Platform operators only: sets a tenant's job limits (ADR 052). */
export class SetTenantLimitsCommand extends Command<TenantLimits> {
  constructor(
    readonly principal: Principal,
    readonly tenant: string,
    readonly change: TenantLimitsChange,
  ) {
    super();
  }
}

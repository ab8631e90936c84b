import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { GetTenantLimitsQuery, SetTenantLimitsCommand, TenantLimits } from '@porter/job-queue';
import { CurrentPrincipal } from '@porter/platform';
import type { Principal } from '@porter/shared-kernel';
import { ApiProblems } from '../common/problem-responses';
import { SetTenantLimitsRequestDto, TenantLimitsDto } from './dto/tenant-limits.dto';

const TENANT_REFUSED = 'a {tenant} no token could carry: empty, over 200 characters, or with control characters, bidirectional-text controls or lone surrogates (`tenant` is named)';

/** Per-tenant job limits (platform operators only; ADR 052). */
@ApiTags('jobs')
@ApiBearerAuth()
@Controller('api/v1/job-queue/tenants/:tenant/limits')
export class TenantLimitsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: QueryBus,
  ) {}

  @Get()
  @ApiOkResponse({ type: TenantLimitsDto })
  @ApiProblems({ 403: 'the caller is not a platform operator', 422: TENANT_REFUSED })
  get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string): Promise<TenantLimits> {
    return this.queries.execute(new GetTenantLimitsQuery(principal, tenant));
  }

  @Put()
  @ApiOkResponse({ type: TenantLimitsDto })
  @ApiProblems({ 400: 'a limit that is negative, absurd or not an integer (the field is named)', 403: 'the caller is not a platform operator', 422: TENANT_REFUSED })
  set(@CurrentPrincipal() principal: Principal, @Param('tenant') tenant: string, @Body() body: SetTenantLimitsRequestDto): Promise<TenantLimits> {
    return this.commands.execute(new SetTenantLimitsCommand(principal, tenant, { ...body }));
  }
}

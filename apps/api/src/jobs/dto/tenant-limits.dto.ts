import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Absent fields stay as they are; a number (0 = no limit) sets the tenant's own; null returns to the default. */
export class SetTenantLimitsRequestDto {
  @ApiPropertyOptional({ nullable: true, type: 'integer', minimum: 0, maximum: 100_000, description: 'jobs of the tenant running at once across all workers; 0 = no limit; null = the default' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  maxConcurrentJobs?: number | null;

  @ApiPropertyOptional({ nullable: true, type: 'integer', minimum: 0, maximum: 100_000_000, description: 'jobs of the tenant waiting (pending or scheduled) before submissions get 429; 0 = no limit; null = the default' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  maxPendingJobs?: number | null;
}

class TenantLimitValuesDto {
  @ApiProperty({ nullable: true, type: 'integer' }) maxConcurrentJobs: number | null;
  @ApiProperty({ nullable: true, type: 'integer' }) maxPendingJobs: number | null;
}

export class TenantLimitsDto {
  @ApiProperty() tenant: string;
  @ApiProperty({ description: 'effective: the tenant’s own value, else the default; 0 = no limit' }) maxConcurrentJobs: number;
  @ApiProperty({ description: 'effective: the tenant’s own value, else the default; 0 = no limit' }) maxPendingJobs: number;
  @ApiProperty({ type: TenantLimitValuesDto, description: 'the tenant’s own values (null: the default applies)' }) overrides: TenantLimitValuesDto;
  @ApiProperty({ type: TenantLimitValuesDto, description: 'JOB_TENANT_MAX_CONCURRENT_JOBS and JOB_TENANT_MAX_PENDING_JOBS' }) defaults: TenantLimitValuesDto;
}

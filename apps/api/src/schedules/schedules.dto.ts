import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../common/is-omittable';

/**
 * The shape of a schedule. Whether the cron and zone are valid, and whether the caller may run
 * this export (type, format, filters, columns, scopes), is checked by the command: 400 naming each
 * failing field.
 */
export class CreateExportScheduleBody {
  @ApiProperty({ example: 'employees' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  type!: string;

  @ApiProperty({ enum: ['csv', 'xlsx', 'jsonl'] })
  @IsString()
  @IsNotEmpty()
  format!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { department: 'Sales' } })
  @IsOmittable()
  @IsObject()
  filters?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], description: 'Required for local export types' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  scopeIds?: string[];

  @ApiPropertyOptional({ type: [String], description: "an ordered subset of the type's columns; omitted = all" })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  columns?: string[];

  @ApiPropertyOptional({ enum: ['none', 'gzip'] })
  @IsOmittable()
  @IsIn(['none', 'gzip'])
  compression?: 'none' | 'gzip';

  @ApiPropertyOptional({ description: 'also the name of every export it creates' })
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiProperty({ example: '0 6 * * 1-5', description: 'five fields "minute hour day-of-month month day-of-week" or @hourly/@daily/@weekly/@monthly; at most once per minute' })
  @IsString()
  @MaxLength(100)
  cron!: string;

  @ApiProperty({ example: 'Europe/Berlin', description: 'IANA time zone the cron is read in' })
  @IsString()
  @MaxLength(64)
  timezone!: string;

  @ApiPropertyOptional({ default: true, description: 'false: created paused' })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}

export class UpdateExportScheduleBody {
  @ApiPropertyOptional({ example: '30 2 * * *' })
  @IsOmittable()
  @IsString()
  @MaxLength(100)
  cron?: string;

  @ApiPropertyOptional({ example: 'America/New_York' })
  @IsOmittable()
  @IsString()
  @MaxLength(64)
  timezone?: string;

  @ApiPropertyOptional({ description: 'false pauses (no ticks); true resumes from the next tick after now' })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string | null;
}

export class ExportScheduleDto {
  @ApiProperty() id!: string;
  @ApiProperty({ nullable: true }) name!: string | null;
  @ApiProperty() type!: string;
  @ApiProperty() format!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) filters!: Record<string, unknown>;
  @ApiProperty({ type: [String] }) scopeIds!: string[];
  @ApiProperty({ type: [String], nullable: true }) columns!: string[] | null;
  @ApiProperty({ enum: ['none', 'gzip'] }) compression!: string;
  @ApiProperty() cron!: string;
  @ApiProperty() timezone!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, description: 'null while paused' }) nextRunAt!: string | null;
  @ApiProperty({ nullable: true }) lastRunAt!: string | null;
  @ApiProperty({ nullable: true }) lastExportId!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ description: 'the owner: runs use its stored roles and scopes' }) createdBy!: string;
  @ApiProperty({ enum: ['user', 'app'] }) createdByKind!: string;
  @ApiProperty({ nullable: true }) ownerRevokedAt!: string | null;
  @ApiProperty({ nullable: true }) ownerRevokedReason!: string | null;
  @ApiPropertyOptional({ type: [String], description: 'the next five ticks (one schedule only, not in lists)' }) nextRuns?: string[];
}

export class ExportSchedulePageDto {
  @ApiProperty({ type: [ExportScheduleDto] }) items!: ExportScheduleDto[];
  @ApiProperty() totalRecords!: number;
}

export class ExportScheduleRunDto {
  @ApiProperty() id!: string;
  @ApiProperty() scheduleId!: string;
  @ApiProperty() tickAt!: string;
  @ApiProperty({ enum: ['cron', 'manual'] }) trigger!: string;
  @ApiProperty({ enum: ['claimed', 'requested', 'failed'] }) status!: string;
  @ApiProperty({ nullable: true }) exportId!: string | null;
  @ApiProperty({ nullable: true }) error!: string | null;
  @ApiProperty() missedTicks!: number;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

/** ExportInfo (see GET /exports/{id}) of the run's export, plus the run. */
export class ExportScheduleRunExportDto {
  @ApiProperty({ nullable: true, description: 'the export id; null for a run without a readable export' }) id!: string | null;
  @ApiProperty({ nullable: true }) jobId!: string | null;
  @ApiProperty() type!: string;
  @ApiProperty() format!: string;
  @ApiProperty({ description: 'ExportStatus, or unavailable (export deleted or hidden by its scopes)' }) status!: string;
  @ApiProperty({ nullable: true }) errorMessage!: string | null;
  @ApiProperty({ type: ExportScheduleRunDto }) run!: ExportScheduleRunDto;
}

export class ExportScheduleRunPageDto {
  @ApiProperty({ type: [ExportScheduleRunExportDto] }) items!: ExportScheduleRunExportDto[];
  @ApiProperty() totalRecords!: number;
}

import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { ExportStatus } from '@porter/exports';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength } from 'class-validator';
import { IsOmittable } from '../common/is-omittable';
import { ExportInfoDto } from '../exports/export.response.dto';
import { IsDisplaySafe } from '../common/is-display-safe';

/**
 * The shape of a schedule. Whether the cron and zone are valid, and whether the caller may run
 * this export (type, format, filters, columns, scopes), is checked by the command: 400 naming each
 * failing field. The controller passes this class's own problems to the command, which reports
 * them with its own in that one answer (validateCollectingErrors).
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
  @IsDisplaySafe()
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

  @ApiPropertyOptional({ nullable: true, type: String, maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @IsDisplaySafe()
  name?: string | null;
}

export class ExportScheduleDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty() type!: string;
  @ApiProperty() format!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) filters!: Record<string, unknown>;
  @ApiProperty({ type: [String] }) scopeIds!: string[];
  @ApiProperty({ type: [String], nullable: true }) columns!: string[] | null;
  @ApiProperty({ enum: ['none', 'gzip'] }) compression!: string;
  @ApiProperty() cron!: string;
  @ApiProperty() timezone!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'null while paused' }) nextRunAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastRunAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) lastExportId!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ description: 'the owner: runs use its stored roles and scopes' }) createdBy!: string;
  @ApiProperty({ enum: ['user', 'app'] }) createdByKind!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) ownerRevokedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) ownerRevokedReason!: string | null;
  @ApiPropertyOptional({ type: 'array', items: { type: 'string', format: 'date-time' }, description: 'the next five ticks (one schedule only, not in lists)' }) nextRuns?: string[];
}

export class ExportSchedulePageDto {
  @ApiProperty({ type: [ExportScheduleDto] }) items!: ExportScheduleDto[];
  @ApiProperty() totalRecords!: number;
}

export class ExportScheduleRunDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) scheduleId!: string;
  @ApiProperty({ format: 'date-time' }) tickAt!: string;
  @ApiProperty({ enum: ['cron', 'manual'] }) trigger!: string;
  @ApiProperty({ enum: ['claimed', 'requested', 'failed'] }) status!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) exportId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'why a failed run failed' }) error!: string | null;
  @ApiProperty({ description: 'earlier ticks this one stood for after an outage' }) missedTicks!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

/**
 * ExportInfo (see GET /exports/{id}, without downloadUrl) of the run's export, plus the run. A run
 * without an export the caller can read has the same shape built from the run: id, jobId and scope
 * null, status failed (reason in errorMessage), pending, or unavailable.
 */
export class ExportScheduleRunExportDto extends OmitType(ExportInfoDto, ['id', 'jobId', 'scope', 'status', 'downloadUrl'] as const) {
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'the export id; null for a run without a readable export' }) id!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) jobId!: string | null;
  @ApiProperty({ nullable: true, enum: ['global', 'local'] }) scope!: 'global' | 'local' | null;
  @ApiProperty({ enum: [...Object.values(ExportStatus), 'unavailable'], description: 'ExportStatus, or unavailable (export deleted or hidden by its scopes)' }) status!: string;
  @ApiProperty({ type: ExportScheduleRunDto }) run!: ExportScheduleRunDto;
}

export class ExportScheduleRunPageDto {
  @ApiProperty({ type: [ExportScheduleRunExportDto] }) items!: ExportScheduleRunExportDto[];
  @ApiProperty() totalRecords!: number;
}

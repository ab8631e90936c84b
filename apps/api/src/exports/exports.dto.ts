import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsOmittable } from '../common/is-omittable';
import { ExportStatus } from '@porter/exports';
import { SortedPageParams } from '../common/page-params.dto';
import { IsInstant } from '../common/is-instant';

/** Notification channels of an export request. */
export class ExportNotifyBody {
  @ApiPropertyOptional({ description: 'mail the requester (their token’s email claim) a download link when the file is ready; needs SMTP_URL' })
  @IsOmittable()
  @IsBoolean()
  email?: boolean;
}

/**
 * The shape of a request. Whether the type exists, the format is allowed for it and the filters
 * match its schema is checked by the command (422 with the failing path), not here (400).
 */
export class RequestExportBody {
  @ApiProperty({ example: 'employees' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  type!: string;

  @ApiProperty({ enum: ['csv', 'xlsx', 'jsonl'] })
  @IsString()
  @IsNotEmpty()
  format!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { department: 'Sales', active: true } })
  @IsOmittable()
  @IsObject()
  filters?: Record<string, unknown>;

  @ApiPropertyOptional({ type: [String], description: 'Required for local export types: the operational scopes covered' })
  @IsOmittable()
  @IsArray()
  @IsString({ each: true })
  scopeIds?: string[];

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: 'ISO-8601; run later instead of as soon as a worker is free' })
  @IsOmittable()
  @IsInstant()
  scheduledFor?: string;

  @ApiPropertyOptional({ type: [String], example: ['email', 'last_name'], description: "an ordered subset of the type's columns (GET /exports/types); omitted = all" })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  columns?: string[];

  @ApiPropertyOptional({ type: [String], description: "values of the type's key column (at most 10,000): export exactly those records you may see" })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(10_000)
  @IsString({ each: true })
  @MaxLength(200, { each: true })
  ids?: string[];

  @ApiPropertyOptional({ enum: ['none', 'gzip'], description: 'gzip: CSV and JSONL only; the file is <name>.<format>.gz, application/gzip' })
  @IsOmittable()
  @IsIn(['none', 'gzip'])
  compression?: 'none' | 'gzip';

  @ApiPropertyOptional({ type: ExportNotifyBody })
  @IsOmittable()
  // An array passed ValidateNested (each element validated) and was read as no notification.
  @IsObject()
  @ValidateNested()
  @Type(() => ExportNotifyBody)
  notify?: ExportNotifyBody;
}

export class ListExportsParams extends SortedPageParams {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  type?: string;

  @ApiPropertyOptional({ enum: ExportStatus })
  @IsOptional()
  @IsIn(Object.values(ExportStatus))
  status?: ExportStatus;

}

export class CreateDownloadLinkBody {
  @ApiPropertyOptional({ minimum: 60, maximum: 86400, default: 900, description: 'Seconds the link works' })
  @IsOmittable()
  @IsInt()
  @Min(60)
  @Max(86400)
  expiresInSeconds?: number;
}

export class ExportResendDto {
  @ApiProperty({ description: 'the new export.ready event: the webhook-id of its deliveries' }) eventId!: string;
  @ApiProperty({ description: 'how many enabled endpoints subscribed to export.ready get it (at least 1: with none, the answer is 409)' }) deliveries!: number;
}

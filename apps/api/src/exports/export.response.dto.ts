import { ApiProperty } from '@nestjs/swagger';
import { ExportOutcome, ExportStatus, FileFormat } from '@porter/exports';

/** The file of a finished export (ExportInfo.result). */
export class ExportResultDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() fileName!: string;
  @ApiProperty() sizeBytes!: number;
  @ApiProperty() sha256!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ description: 'true once expiresAt has passed or the file was purged: download then answers 410' }) expired!: boolean;
  @ApiProperty() downloadCount!: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) firstDownloadedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastDownloadedAt!: string | null;
}

/** ExportInfo: an export request and its result (docs/api.md, Exports). */
export class ExportInfoDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid', description: 'the job that generates the file (GET /api/v1/jobs/{jobId})' }) jobId!: string;
  @ApiProperty() type!: string;
  @ApiProperty({ enum: ['global', 'local'] }) scope!: 'global' | 'local';
  @ApiProperty({ enum: FileFormat }) format!: FileFormat;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) filters!: Record<string, unknown>;
  @ApiProperty({ type: [String] }) scopeIds!: string[];
  @ApiProperty({ type: [String], nullable: true, description: 'chosen column keys in file order; null = every column' }) columns!: string[] | null;
  @ApiProperty({ nullable: true, type: Number, description: 'how many explicit ids were requested; null = no id restriction' }) idsCount!: number | null;
  @ApiProperty({ enum: ['none', 'gzip'] }) compression!: 'none' | 'gzip';
  @ApiProperty({ enum: ExportStatus }) status!: ExportStatus;
  @ApiProperty({ enum: ExportOutcome, nullable: true }) outcome!: ExportOutcome | null;
  @ApiProperty({ nullable: true, type: Number }) itemsCount!: number | null;
  @ApiProperty() requestedBy!: string;
  @ApiProperty({ enum: ['user', 'app'] }) submitterKind!: 'user' | 'app';
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'when its job is due; null for an immediate export' }) scheduledFor!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'the recurring schedule that requested it (/export-schedules/{id}); null when asked for directly' }) scheduleId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) processedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) errorMessage!: string | null;
  @ApiProperty({ type: ExportResultDto, nullable: true }) result!: ExportResultDto | null;
  @ApiProperty({ nullable: true, type: String, description: 'where the file can be downloaded; null until there is a file and once it has expired' }) downloadUrl!: string | null;
}

export class ExportPageDto {
  @ApiProperty({ type: [ExportInfoDto] }) items!: ExportInfoDto[];
  @ApiProperty() totalRecords!: number;
}

export class ExportColumnDto {
  @ApiProperty() name!: string;
  @ApiProperty() label!: string;
}

export class ExportFilterFieldDto {
  @ApiProperty() name!: string;
  @ApiProperty({ type: [String], description: 'the class-validator rules of the filter field' }) rules!: string[];
}

/** One export type of GET /api/v1/exports/types. */
export class ExportTypeDto {
  @ApiProperty() type!: string;
  @ApiProperty({ enum: ['global', 'local'] }) scope!: 'global' | 'local';
  @ApiProperty() retentionPeriodDays!: number;
  @ApiProperty({ enum: FileFormat, isArray: true }) formats!: FileFormat[];
  @ApiProperty({ type: [ExportColumnDto] }) columns!: ExportColumnDto[];
  @ApiProperty({ nullable: true, type: String, description: 'the column explicit ids match; null when the type takes no ids' }) keyColumn!: string | null;
  @ApiProperty({ type: [ExportFilterFieldDto] }) filters!: ExportFilterFieldDto[];
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
}

export class ExportDownloadLinkDto {
  @ApiProperty({ description: 'local storage: a signed path of this API (absolute when PUBLIC_BASE_URL is set); S3: a presigned URL' }) url!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

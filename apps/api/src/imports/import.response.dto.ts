import { ApiProperty } from '@nestjs/swagger';
import { ImportBatchStatus, ImportFormat, ImportRecordStatus, ImportResultStatus } from '@porter/imports';

const MAPPING = { type: 'object', additionalProperties: { type: 'string', nullable: true }, nullable: true } as const;

export class ImportBatchCountsDto {
  @ApiProperty({ description: 'rows with a result so far' }) total!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() partiallyFailed!: number;
  @ApiProperty({ description: 'rows being retried (retry-failed-rows) whose new outcome is not committed yet; completed + failed + partiallyFailed + retrying = total; 0 once the batch has ended' })
  retrying!: number;
}

/** ImportBatch: one uploaded file of an import record. */
export class ImportBatchDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) importRecordId!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'the job that processes (or last re-processed) the batch' }) jobId!: string | null;
  @ApiProperty({ nullable: true, type: String }) fileName!: string | null;
  @ApiProperty({ enum: ImportFormat }) format!: ImportFormat;
  @ApiProperty() sizeBytes!: number;
  @ApiProperty() sha256!: string;
  @ApiProperty({ enum: ImportBatchStatus }) status!: ImportBatchStatus;
  @ApiProperty({ type: ImportBatchCountsDto }) counts!: ImportBatchCountsDto;
  @ApiProperty({ nullable: true, type: Number, description: 'data rows in the file, once it has been scanned' }) rowsInFile!: number | null;
  @ApiProperty({ description: 'last data row committed (resume point)' }) lastCommittedRow!: number;
  @ApiProperty({ ...MAPPING, description: "the upload's mapping (file header → column or null), as sent" }) mapping!: Record<string, string | null> | null;
  @ApiProperty({ ...MAPPING, description: 'the mapping used: each file header → the column it fed (null: ignored); null until the file is scanned' })
  columnMapping!: Record<string, string | null> | null;
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ enum: ['continue', 'abort'] }) onError!: 'continue' | 'abort';
  @ApiProperty({ nullable: true, type: String }) errorDetails!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt!: string | null;
}

export class ImportOptionsDto {
  @ApiProperty() dryRun!: boolean;
  @ApiProperty({ enum: ['continue', 'abort'] }) onError!: 'continue' | 'abort';
}

/** ImportRecord: one logical import, made of batches. */
export class ImportRecordDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() type!: string;
  @ApiProperty() sourceName!: string;
  @ApiProperty({ nullable: true, type: String }) processorName!: string | null;
  @ApiProperty({ nullable: true, type: String }) processorVersion!: string | null;
  @ApiProperty({ nullable: true, type: String }) notes!: string | null;
  @ApiProperty({ nullable: true, type: String }) searchString!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) searchedAt!: string | null;
  @ApiProperty({ description: '-1 when unknown' }) expectedReferenceCount!: number;
  @ApiProperty({ enum: ImportRecordStatus }) status!: ImportRecordStatus;
  @ApiProperty({ type: ImportOptionsDto }) options!: ImportOptionsDto;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finalizedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt!: string | null;
  @ApiProperty({ type: [ImportBatchDto] }) batches!: ImportBatchDto[];
}

export class ImportRecordPageDto {
  @ApiProperty({ type: [ImportRecordDto] }) items!: ImportRecordDto[];
  @ApiProperty() totalRecords!: number;
}

/** The outcome of one data row of a batch. */
export class ImportResultDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) importBatchId!: string;
  @ApiProperty({ description: '1-based index of the data row (the header is not counted)' }) rowNumber!: number;
  @ApiProperty({ enum: ImportResultStatus }) status!: ImportResultStatus;
  @ApiProperty({ nullable: true, type: String }) referenceId!: string | null;
  @ApiProperty({ nullable: true, type: String }) failureDetails!: string | null;
}

export class ImportResultPageDto {
  @ApiProperty({ type: [ImportResultDto] }) items!: ImportResultDto[];
  @ApiProperty() totalRecords!: number;
}

export class ImportColumnDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['string', 'email', 'decimal', 'integer', 'date', 'boolean', 'uuid', 'ignored'] }) type!: string;
  @ApiProperty() required!: boolean;
  @ApiProperty({ type: [String], description: 'other header names read as this column' }) aliases!: string[];
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
}

/** One import type of GET /api/v1/imports/types. */
export class ImportTypeDto {
  @ApiProperty() type!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ enum: ImportFormat, isArray: true }) formats!: ImportFormat[];
  @ApiProperty({ type: [ImportColumnDto] }) columns!: ImportColumnDto[];
  @ApiProperty({ type: [String] }) uniqueKey!: string[];
  @ApiProperty() chunkSize!: number;
}

export class ImportConfigurationDto {
  @ApiProperty({ description: 'largest file accepted (bytes)' }) maxUploadBytes!: number;
  @ApiProperty({ description: 'files per upload' }) maxFilesPerUpload!: number;
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { JobStatus } from '@porter/job-queue';

export class JobProgressDto {
  @ApiProperty() processed: number;
  @ApiProperty({ nullable: true, type: Number }) total: number | null;
  @ApiProperty({ nullable: true, type: Number }) percent: number | null;
}

export class JobResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() type: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: JobStatus }) status: JobStatus;
  @ApiProperty({ nullable: true, type: Number, description: '1-based place in the queue while pending' }) position: number | null;
  @ApiProperty() priority: number;
  @ApiProperty({ type: JobProgressDto }) progress: JobProgressDto;
  @ApiProperty() submittedBy: string;
  @ApiProperty({ enum: ['user', 'app'], description: 'app when a service account submitted the job' }) submitterKind: 'user' | 'app';
  @ApiProperty({ type: [String], description: 'roles the submitter held at submission' }) submitterRoles: string[];
  @ApiProperty() tenant: string;
  @ApiProperty({ format: 'date-time' }) submittedAt: string;
  @ApiProperty({ format: 'date-time', description: 'last change of any kind' }) updatedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) scheduledFor: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) completedAt: string | null;
  @ApiProperty() attempts: number;
  @ApiProperty() maxAttempts: number;
  @ApiProperty({ description: 'times a run was lost to a dead or unresponsive worker; these use up no attempt (JOB_MAX_STALLS)' }) stalls: number;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, description: 'what the job handler reported (an export: its id, file, items; an import batch: its counts)' }) outputInformation: Record<string, unknown> | null;
  @ApiProperty({ type: [String] }) outputFiles: string[];
  @ApiProperty({ nullable: true, type: String }) errorDetails: string | null;
}

export class JobPageDto {
  @ApiProperty({ type: [JobResponseDto] }) items: JobResponseDto[];
  @ApiProperty() totalRecords: number;
}

export class JobEventDto {
  @ApiProperty() type: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty() actor: string;
  @ApiProperty({ type: Object }) data: Record<string, unknown>;
}

export class JobFileDto {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['output', 'attachment'], description: 'output: written by the job; attachment: given with its request' }) kind: 'output' | 'attachment';
  @ApiProperty() sizeBytes: number;
  @ApiProperty() contentType: string;
  @ApiProperty() sha256: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class QueueConfigurationDto {
  @ApiProperty() concurrency: number;
  @ApiProperty() pollingIntervalMs: number;
  @ApiProperty() purgeJobAgeMs: number;
  @ApiProperty() purgeIntervalMs: number;
}

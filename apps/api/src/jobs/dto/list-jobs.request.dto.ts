import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { JobStatus } from '@porter/job-queue';
import { SortedPageParams } from '../../common/page-params.dto';

export class ListJobsRequestDto extends SortedPageParams {
  @ApiPropertyOptional({ enum: JobStatus })
  @IsOptional()
  @IsEnum(JobStatus)
  status?: JobStatus;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  type?: string;

  @ApiPropertyOptional({ description: 'user id of the submitter' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  submittedBy?: string;

  @ApiPropertyOptional({
    enum: ['include', 'exclude'],
    default: 'include',
    description: "`exclude` leaves out the jobs Porter submits on its own (webhook deliveries, export-ready emails; `submittedBy` \"system\"), which only admins see",
  })
  @IsOptional()
  @IsIn(['include', 'exclude'])
  systemJobs?: 'include' | 'exclude';

  @ApiPropertyOptional({
    description:
      'query language: clauses `field==value` or `field<>value` joined by `and` (fields status, type, name, submittedBy, submitterKind; a trailing * matches a prefix; quote values with spaces), then optionally `sortBy field[/asc|/desc]` (submittedAt, updatedAt, name, type, status, priority). Example: status==failed and type==export* sortBy submittedAt/desc',
    maxLength: 1000,
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  query?: string;
}

import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
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
}

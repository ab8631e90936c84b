import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { GetJobQuery } from '../../public/queries/get-job.query';
import type { JobInfo } from '../../public/entities/job-info';
import { loadVisibleJob } from '../job-guard';
import { toJobInfo } from '../job-info.mapper';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';

@QueryHandler(GetJobQuery)
export class GetJobHandler implements IQueryHandler<GetJobQuery, JobInfo> {
  constructor(@Inject(JOB_REPOSITORY) private readonly jobs: JobRepository) {}

  async execute({ principal, jobId }: GetJobQuery): Promise<JobInfo> {
    return toJobInfo(await loadVisibleJob(this.jobs, principal, jobId));
  }
}

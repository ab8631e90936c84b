import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { GetJobQuery } from '../../public/queries/get-job.query';
import type { JobInfo } from '../../public/entities/job-info';
import { JOB_READ_MODEL, JobReadModel } from '../ports/job-read-model.port';

/** Another tenant's job, or (non-admin) another user's, is NotFound like a missing one. */
@QueryHandler(GetJobQuery)
export class GetJobHandler implements IQueryHandler<GetJobQuery, JobInfo> {
  constructor(@Inject(JOB_READ_MODEL) private readonly jobs: JobReadModel) {}

  async execute({ principal, jobId }: GetJobQuery): Promise<JobInfo> {
    const job = await this.jobs.get(principal, jobId);
    if (!job) throw new NotFoundError('Job', jobId);
    return job;
  }
}

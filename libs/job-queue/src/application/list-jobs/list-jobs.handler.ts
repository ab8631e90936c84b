import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page, pageRequest, ValidationError } from '@porter/shared-kernel';
import { ListJobsQuery } from '../../public/queries/list-jobs.query';
import type { JobInfo } from '../../public/entities/job-info';
import { JobStatus } from '../../public/enums/job-status';
import { toJobInfo } from '../job-info.mapper';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';

/** Newest first unless `sort` is 'oldest'; a non-admin sees only the jobs it submitted, an admin the whole tenant. */
@QueryHandler(ListJobsQuery)
export class ListJobsHandler implements IQueryHandler<ListJobsQuery, Page<JobInfo>> {
  constructor(@Inject(JOB_REPOSITORY) private readonly jobs: JobRepository) {}

  async execute({ principal, filters, offset, limit, sort }: ListJobsQuery): Promise<Page<JobInfo>> {
    if (filters.status && !Object.values(JobStatus).includes(filters.status)) {
      throw new ValidationError('Unknown job status', [{ path: 'status', message: `must be one of ${Object.values(JobStatus).join(', ')}` }]);
    }
    const page = await this.jobs.list(principal, filters, pageRequest(offset, limit, sort));
    return { items: page.items.map(toJobInfo), totalRecords: page.totalRecords };
  }
}

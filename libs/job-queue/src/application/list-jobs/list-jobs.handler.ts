import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { BadRequestError, Page, pageRequest, ValidationError } from '@porter/shared-kernel';
import { JobQuery, JobQuerySyntaxError, parseJobQuery } from '../../domain/job-query';
import { ListJobsQuery } from '../../public/queries/list-jobs.query';
import type { JobInfo } from '../../public/entities/job-info';
import { JobStatus } from '../../public/enums/job-status';
import { JOB_READ_MODEL, JobReadModel } from '../ports/job-read-model.port';

function parseQuery(text: string): JobQuery {
  try {
    return parseJobQuery(text, Object.values(JobStatus));
  } catch (error) {
    if (!(error instanceof JobQuerySyntaxError)) throw error;
    throw new BadRequestError(`The query cannot be parsed: ${error.message}`, [{ path: 'query', message: error.message }]);
  }
}

/** Newest first unless `sort` is 'oldest'; a non-admin sees only the jobs it submitted, an admin the whole tenant. */
@QueryHandler(ListJobsQuery)
export class ListJobsHandler implements IQueryHandler<ListJobsQuery, Page<JobInfo>> {
  constructor(@Inject(JOB_READ_MODEL) private readonly jobs: JobReadModel) {}

  async execute({ principal, filters, offset, limit, sort }: ListJobsQuery): Promise<Page<JobInfo>> {
    if (filters.status && !Object.values(JobStatus).includes(filters.status)) {
      throw new ValidationError('Unknown job status', [{ path: 'status', message: `must be one of ${Object.values(JobStatus).join(', ')}` }]);
    }
    const { query: text, ...simple } = filters;
    const query = text === undefined ? undefined : parseQuery(text);
    return this.jobs.list(principal, { ...simple, query }, pageRequest(offset, limit, sort));
  }
}

import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { GetJobEventsQuery } from '../../public/queries/get-job-events.query';
import type { JobEvent } from '../../public/entities/job-event';
import { loadVisibleJob } from '../job-guard';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';

@QueryHandler(GetJobEventsQuery)
export class GetJobEventsHandler implements IQueryHandler<GetJobEventsQuery, JobEvent[]> {
  constructor(@Inject(JOB_REPOSITORY) private readonly jobs: JobRepository) {}

  async execute({ principal, jobId }: GetJobEventsQuery): Promise<JobEvent[]> {
    await loadVisibleJob(this.jobs, principal, jobId);
    return this.jobs.events(jobId);
  }
}

import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { GetJobFileQuery } from '../../public/queries/get-job-file.query';
import type { JobFile } from '../../public/entities/job-file';
import { loadVisibleJob } from '../job-guard';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';
import { JobFileAccessPolicies } from './job-file-access-policies';

@QueryHandler(GetJobFileQuery)
export class GetJobFileHandler implements IQueryHandler<GetJobFileQuery, JobFile[]> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    private readonly policies: JobFileAccessPolicies,
  ) {}

  async execute({ principal, jobId, name }: GetJobFileQuery): Promise<JobFile[]> {
    const job = await loadVisibleJob(this.jobs, principal, jobId);
    const files = await this.jobs.files(jobId);
    if (name === undefined) return files;
    const file = files.find((f) => f.name === name);
    if (!file) throw new NotFoundError('Job file', name);
    // Seeing the job is not enough to read its files when the job's type says more (see JobFileAccessPolicy).
    await this.policies.get(job.type)?.authorizeRead({ principal, jobId, jobType: job.type, file });
    return [file];
  }
}

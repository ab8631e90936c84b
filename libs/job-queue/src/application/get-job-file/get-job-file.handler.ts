import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { GetJobFileQuery } from '../../public/queries/get-job-file.query';
import type { JobFile } from '../../public/entities/job-file';
import { loadVisibleJob } from '../job-guard';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../ports/job-attachment.store.port';
import { JobFileAccessPolicies } from './job-file-access-policies';

@QueryHandler(GetJobFileQuery)
export class GetJobFileHandler implements IQueryHandler<GetJobFileQuery, JobFile[]> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(JOB_ATTACHMENT_STORE) private readonly attachments: JobAttachmentStore,
    private readonly policies: JobFileAccessPolicies,
  ) {}

  async execute({ principal, jobId, name }: GetJobFileQuery): Promise<JobFile[]> {
    const job = await loadVisibleJob(this.jobs, principal, jobId);
    const [outputs, attachments] = await Promise.all([this.jobs.files(job.id), this.attachments.list(job.id)]);
    if (name === undefined) return [...outputs, ...attachments];
    // An output and an attachment may share a name: the output wins (it is what the job made).
    const file = outputs.find((f) => f.name === name);
    if (!file) {
      // Attachments came with the request: seeing the job is the permission to read them.
      const attachment = attachments.find((f) => f.name === name);
      if (!attachment) throw new NotFoundError('Job file', name);
      return [attachment];
    }
    // Seeing the job is not enough to read its files when the job's type says more (see JobFileAccessPolicy).
    await this.policies.get(job.type)?.authorizeRead({ principal, jobId, jobType: job.type, file });
    return [file];
  }
}

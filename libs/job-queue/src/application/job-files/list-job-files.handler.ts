import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { JobFile } from '../../public/entities/job-file';
import { ListJobFilesQuery } from '../../public/queries/list-job-files.query';
import { loadVisibleJob } from '../job-guard';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../ports/job-attachment.store.port';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';
import { toJobFile } from './job-file.mapper';

/** Listing is not reading: no JobFileAccessPolicy is asked. */
@QueryHandler(ListJobFilesQuery)
export class ListJobFilesHandler implements IQueryHandler<ListJobFilesQuery, JobFile[]> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(JOB_ATTACHMENT_STORE) private readonly attachments: JobAttachmentStore,
  ) {}

  async execute({ principal, jobId }: ListJobFilesQuery): Promise<JobFile[]> {
    const job = await loadVisibleJob(this.jobs, principal, jobId);
    const [outputs, attachments] = await Promise.all([this.jobs.files(job.id), this.attachments.list(job.id)]);
    return [...outputs, ...attachments].map(toJobFile);
  }
}

import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { FILE_STORAGE, FileStorage } from '@porter/platform';
import { FileDownload, NotFoundError } from '@porter/shared-kernel';
import { DownloadJobFileQuery } from '../../public/queries/download-job-file.query';
import { loadVisibleJob } from '../job-guard';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../ports/job-attachment.store.port';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';
import { toJobFile } from './job-file.mapper';
import { JobFileAccessPolicies } from './job-file-access-policies';

@QueryHandler(DownloadJobFileQuery)
export class DownloadJobFileHandler implements IQueryHandler<DownloadJobFileQuery, FileDownload> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(JOB_ATTACHMENT_STORE) private readonly attachments: JobAttachmentStore,
    private readonly policies: JobFileAccessPolicies,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  async execute({ principal, jobId, name, countsAsDownload }: DownloadJobFileQuery): Promise<FileDownload> {
    const job = await loadVisibleJob(this.jobs, principal, jobId);
    const [outputs, attachments] = await Promise.all([this.jobs.files(job.id), this.attachments.list(job.id)]);
    // An output and an attachment may share a name: the output wins (it is what the job made).
    const output = outputs.find((f) => f.name === name);
    // Attachments came with the request: seeing the job is the permission to read them.
    const file = output ?? attachments.find((f) => f.name === name);
    if (!file) throw new NotFoundError('Job file', name);
    // Seeing the job is not enough to read its outputs when the job's type says more (see JobFileAccessPolicy).
    if (output) await this.policies.get(job.type)?.authorizeRead({ principal, jobId, jobType: job.type, file: toJobFile(output), countsAsDownload });
    return {
      fileName: file.name,
      contentType: file.contentType,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      open: (range) =>
        this.storage.get(file.storageKey, range).catch((error) => {
          // Storage names the missing object by its key, which is internal: answer in the API's terms.
          if (error instanceof NotFoundError) throw new NotFoundError('Job file', name);
          throw error;
        }),
    };
  }
}

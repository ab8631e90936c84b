import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, PayloadTooLargeError, ValidationError } from '@porter/shared-kernel';
import { AttachJobFilesCommand, MAX_JOB_ATTACHMENTS } from '../../public/actions/attach-job-files.command';
import type { JobFile } from '../../public/entities/job-file';
import { JobStatus } from '../../public/enums/job-status';
import { toJobFile } from '../job-files/job-file.mapper';
import { loadVisibleJob } from '../job-guard';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../ports/job-attachment.store.port';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';
import { receiveAttachments } from './receive-attachments';

/** Streams each file into storage as it arrives, then records them all in one transaction, or keeps none. */
@CommandHandler(AttachJobFilesCommand)
export class AttachJobFilesHandler implements ICommandHandler<AttachJobFilesCommand, JobFile[]> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(JOB_ATTACHMENT_STORE) private readonly attachments: JobAttachmentStore,
  ) {}

  async execute({ principal, jobId, files }: AttachJobFilesCommand): Promise<JobFile[]> {
    const job = await loadVisibleJob(this.jobs, principal, jobId);
    if (job.status === JobStatus.Deleted) throw new ConflictError('A deleted job takes no attachments');
    const already = (await this.attachments.list(job.id)).map((a) => a.name);
    const added = await receiveAttachments(this.attachments, job.id, principal.userId, files, already, 'file', job.outputFiles);
    try {
      if (!added.length) throw new ValidationError('No file was attached', [{ path: 'file', message: 'is required' }]);
      const refused = await this.attachments.add(job.id, added, MAX_JOB_ATTACHMENTS);
      if (refused === 'too_many') throw new PayloadTooLargeError(`A job takes at most ${MAX_JOB_ATTACHMENTS} attachments`);
      if (refused) throw new ConflictError(`The job already has an attachment named "${refused.taken}"`);
    } catch (error) {
      await this.attachments.discard(added.map((a) => a.storageKey));
      throw error;
    }
    const all = await this.attachments.list(job.id);
    return all.filter((f) => added.some((a) => a.name === f.name)).map(toJobFile);
  }
}

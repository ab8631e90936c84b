import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, PayloadTooLargeError, ValidationError } from '@porter/shared-kernel';
import { AttachJobFilesCommand, MAX_JOB_ATTACHMENT_BYTES, MAX_JOB_ATTACHMENTS } from '../../public/actions/attach-job-files.command';
import type { JobFile } from '../../public/entities/job-file';
import { JobStatus } from '../../public/enums/job-status';
import { validateJobFileName } from '../../domain/job-file-name';
import { toJobFile } from '../job-files/job-file.mapper';
import { loadVisibleJob } from '../job-guard';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore, NewJobAttachment } from '../ports/job-attachment.store.port';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';

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
    const already = (await this.attachments.list(job.id)).length;
    const added: NewJobAttachment[] = [];
    try {
      for await (const file of files) {
        if (already + added.length >= MAX_JOB_ATTACHMENTS) {
          file.stream.resume();
          throw new PayloadTooLargeError(`A job takes at most ${MAX_JOB_ATTACHMENTS} attachments (it has ${already})`);
        }
        const name = (file.fileName ?? '').trim();
        const problem = validateJobFileName(name);
        if (problem) {
          file.stream.resume();
          throw new ValidationError('Invalid attachment name', [{ path: `file.${added.length}`, message: `file name ${problem}` }]);
        }
        if (added.some((a) => a.name === name)) {
          file.stream.resume();
          throw new ConflictError(`Two attachments are named "${name}"`);
        }
        const stored = await this.attachments.write(job.id, file.stream, MAX_JOB_ATTACHMENT_BYTES);
        added.push({ name, contentType: file.contentType?.slice(0, 200) || 'application/octet-stream', createdBy: principal.userId, ...stored });
      }
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

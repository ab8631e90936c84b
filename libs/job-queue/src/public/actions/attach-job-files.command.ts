import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { Readable } from 'stream';
import type { JobFile } from '../entities/job-file';

/** One file given with a job's request: its bytes are streamed into storage, never held whole. */
export interface JobAttachmentUpload {
  stream: Readable;
  fileName: string | null;
  contentType: string | null;
}

export const MAX_JOB_ATTACHMENTS = 5;
export const MAX_JOB_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/**
 * Attaches files to a job the caller may see (a template, notes: Granta's request files), all or
 * none: at most MAX_JOB_ATTACHMENTS per job, each at most MAX_JOB_ATTACHMENT_BYTES (413), names
 * unique per job (409). They are listed with the job's files (`kind: attachment`), read with the
 * job's permissions, and removed with the job (delete or purge). Returns the attachments added.
 */
export class AttachJobFilesCommand extends Command<JobFile[]> {
  constructor(
    readonly principal: Principal,
    readonly jobId: string,
    readonly files: AsyncIterable<JobAttachmentUpload>,
  ) {
    super();
  }
}

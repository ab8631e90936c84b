import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { JobAttachmentUpload } from './attach-job-files.command';

/** One attachment stored ahead of its job (see StageJobAttachmentsCommand). */
export interface StagedJobAttachment {
  name: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
}

/**
 * Attachments of a job that does not exist yet: their bytes are stored under the id the job will
 * have (`jobId`), their rows are written by SubmitJobCommand (`options.attachments`) in the
 * submit's own transaction. Until then they are nobody's: the caller discards them
 * (DiscardJobAttachmentsCommand) when the submit, or its own transaction around it, fails.
 */
export interface StagedJobAttachments {
  readonly jobId: string;
  readonly createdBy: string;
  readonly files: readonly StagedJobAttachment[];
}

/**
 * Stores the files of a job's request (a multipart request's `attachment` parts) before the job
 * is submitted, so the job never runs without them. Same rules as AttachJobFilesCommand: at most
 * MAX_JOB_ATTACHMENTS (413), each at most MAX_JOB_ATTACHMENT_BYTES (413), names 1-200
 * characters without slashes or control characters (422), unique (409). `into` adds to an
 * earlier staging of the same request (its files count towards the limit); on a refusal the
 * files this command stored are deleted, the earlier ones stay the caller's to discard. Zero
 * files is allowed (a job request without attachments).
 */
export class StageJobAttachmentsCommand extends Command<StagedJobAttachments> {
  constructor(
    readonly principal: Principal,
    readonly files: AsyncIterable<JobAttachmentUpload>,
    readonly into: StagedJobAttachments | null = null,
  ) {
    super();
  }
}

/** Deletes staged attachments that no job recorded (the submit failed or was an idempotent replay). Idempotent. */
export class DiscardJobAttachmentsCommand extends Command<void> {
  constructor(readonly staged: StagedJobAttachments | null) {
    super();
  }
}

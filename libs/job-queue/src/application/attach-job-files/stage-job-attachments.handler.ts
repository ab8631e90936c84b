import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newId } from '@porter/shared-kernel';
import {
  DiscardJobAttachmentsCommand,
  StagedJobAttachments,
  StageJobAttachmentsCommand,
} from '../../public/actions/stage-job-attachments.command';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../ports/job-attachment.store.port';
import { receiveAttachments } from './receive-attachments';

/** Stores a job request's files under the id its job will get (ADR 060); SubmitJobCommand records them. */
@CommandHandler(StageJobAttachmentsCommand)
export class StageJobAttachmentsHandler implements ICommandHandler<StageJobAttachmentsCommand, StagedJobAttachments> {
  constructor(@Inject(JOB_ATTACHMENT_STORE) private readonly attachments: JobAttachmentStore) {}

  async execute({ principal, files, into }: StageJobAttachmentsCommand): Promise<StagedJobAttachments> {
    const jobId = into?.jobId ?? newId();
    const earlier = into?.files ?? [];
    const added = await receiveAttachments(this.attachments, jobId, principal.userId, files, earlier.map((f) => f.name), 'attachment');
    return {
      jobId,
      createdBy: principal.userId,
      files: [...earlier, ...added.map(({ name, contentType, sizeBytes, sha256, storageKey }) => ({ name, contentType, sizeBytes, sha256, storageKey }))],
    };
  }
}

@CommandHandler(DiscardJobAttachmentsCommand)
export class DiscardJobAttachmentsHandler implements ICommandHandler<DiscardJobAttachmentsCommand, void> {
  constructor(@Inject(JOB_ATTACHMENT_STORE) private readonly attachments: JobAttachmentStore) {}

  async execute({ staged }: DiscardJobAttachmentsCommand): Promise<void> {
    if (staged?.files.length) await this.attachments.discard(staged.files.map((f) => f.storageKey));
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { DeleteJobCommand } from '../../public/actions/delete-job.command';
import { JobStatus } from '../../public/enums/job-status';
import { JobDeleted } from '../../public/events/job-events';
import { assertTransition } from '../../domain/job-state-machine';
import { changeJob } from '../job-guard';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../ports/job-attachment.store.port';
import { JOB_FILE_CLEANER, JOB_REPOSITORY, JobFileCleaner, JobRepository } from '../ports/job.repository.port';

/** Soft delete of a terminal job: gone from lists at once, files removed now, row purged later. */
@CommandHandler(DeleteJobCommand)
export class DeleteJobHandler implements ICommandHandler<DeleteJobCommand, void> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(JOB_FILE_CLEANER) private readonly files: JobFileCleaner,
    @Inject(JOB_ATTACHMENT_STORE) private readonly attachments: JobAttachmentStore,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ principal, jobId }: DeleteJobCommand): Promise<void> {
    const { after } = await changeJob(this.jobs, principal, jobId, (job) => {
      assertTransition(job.status, JobStatus.Deleted);
      return { status: JobStatus.Deleted, softDelete: true, dropFiles: true, event: { type: 'deleted', actor: principal.userId } };
    });
    // The stored id, not the caller's spelling: storage keys are case-sensitive, UUIDs are not
    // (an upper-case id in the URL left the files behind).
    await this.files.removeAll(after.id);
    // Their bytes went with the job's prefix just above.
    await this.attachments.removeAll(after.id);
    this.eventBus.publish(new JobDeleted(after.id, after.type, after.tenant));
  }
}

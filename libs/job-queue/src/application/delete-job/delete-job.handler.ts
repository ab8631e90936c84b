import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DeleteJobCommand } from '../../public/actions/delete-job.command';
import { JobStatus } from '../../public/enums/job-status';
import { assertTransition } from '../../domain/job-state-machine';
import { changeJob } from '../job-guard';
import { JOB_FILE_CLEANER, JOB_REPOSITORY, JobFileCleaner, JobRepository } from '../ports/job.repository.port';

/** Soft delete of a terminal job: gone from lists at once, files removed now, row purged later. */
@CommandHandler(DeleteJobCommand)
export class DeleteJobHandler implements ICommandHandler<DeleteJobCommand, void> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(JOB_FILE_CLEANER) private readonly files: JobFileCleaner,
  ) {}

  async execute({ principal, jobId }: DeleteJobCommand): Promise<void> {
    await changeJob(this.jobs, principal, jobId, (job) => {
      assertTransition(job.status, JobStatus.Deleted);
      return { status: JobStatus.Deleted, softDelete: true, dropFiles: true, event: { type: 'deleted', actor: principal.userId } };
    });
    await this.files.removeAll(jobId);
  }
}

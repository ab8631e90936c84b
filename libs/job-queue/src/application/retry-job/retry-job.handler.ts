import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { RetryJobCommand } from '../../public/actions/retry-job.command';
import type { JobInfo } from '../../public/entities/job-info';
import { JobStatus } from '../../public/enums/job-status';
import { assertTransition } from '../../domain/job-state-machine';
import { ConflictError } from '@porter/shared-kernel';
import { changeJob } from '../job-guard';
import { toJobInfo } from '../job-info.mapper';
import { JOB_FILE_CLEANER, JOB_REPOSITORY, JobFileCleaner, JobRepository } from '../ports/job.repository.port';

const RETRYABLE: readonly JobStatus[] = [JobStatus.Failed, JobStatus.Cancelled];

/** A failed or cancelled job runs again from scratch, at the end of the queue. */
@CommandHandler(RetryJobCommand)
export class RetryJobHandler implements ICommandHandler<RetryJobCommand, JobInfo> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(JOB_FILE_CLEANER) private readonly files: JobFileCleaner,
  ) {}

  async execute({ principal, jobId }: RetryJobCommand): Promise<JobInfo> {
    // The old run's files go; only their keys, since the new run may already be writing its own.
    const oldFiles = (await this.jobs.findVisible(principal, jobId)) ? await this.jobs.files(jobId) : [];
    const { after } = await changeJob(this.jobs, principal, jobId, (job) => {
      // running → pending is a legal transition (stall recovery, shutdown), but not one a caller
      // may ask for: only a failed or cancelled job is retried.
      if (!RETRYABLE.includes(job.status)) {
        throw new ConflictError(`Only a failed or cancelled job can be retried (this one is ${job.status})`);
      }
      assertTransition(job.status, JobStatus.Pending);
      return {
        status: JobStatus.Pending,
        resetRuns: true,
        enterQueue: true,
        dropFiles: true,
        scheduledFor: null,
        enqueueAt: null,
        event: { type: 'retried', actor: principal.userId, data: { from: job.status } },
      };
    });
    await this.files.removeKeys(oldFiles.map((f) => f.storageKey));
    return toJobInfo(after);
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, ForbiddenError } from '@porter/shared-kernel';
import { MoveJobToTopCommand } from '../../public/actions/move-job-to-top.command';
import type { JobInfo } from '../../public/entities/job-info';
import { JobStatus } from '../../public/enums/job-status';
import { changeJob } from '../job-guard';
import { toJobInfo } from '../job-info.mapper';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';

/** Admin only: the job becomes position 1, the next one a worker takes. */
@CommandHandler(MoveJobToTopCommand)
export class MoveJobToTopHandler implements ICommandHandler<MoveJobToTopCommand, JobInfo> {
  constructor(@Inject(JOB_REPOSITORY) private readonly jobs: JobRepository) {}

  async execute({ principal, jobId }: MoveJobToTopCommand): Promise<JobInfo> {
    const { after } = await changeJob(this.jobs, principal, jobId, (job) => {
      // Visibility first (404 for what the caller cannot see), then the role (403).
      if (!principal.isAdmin) throw new ForbiddenError('Only an admin may move a job to the top of the queue');
      if (job.status !== JobStatus.Pending) throw new ConflictError(`Only a pending job can be moved to the top (this one is ${job.status})`);
      return { moveToTop: true, event: { type: 'moved_to_top', actor: principal.userId, data: { previousPosition: job.position } } };
    });
    return toJobInfo(after);
  }
}

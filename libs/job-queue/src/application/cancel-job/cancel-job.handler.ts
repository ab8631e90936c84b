import { Inject } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { CancelJobCommand } from '../../public/actions/cancel-job.command';
import type { JobInfo } from '../../public/entities/job-info';
import { JobStatus } from '../../public/enums/job-status';
import { JobCancelled } from '../../public/events/job-events';
import { assertTransition } from '../../domain/job-state-machine';
import { changeJob } from '../job-guard';
import { toJobInfo } from '../job-info.mapper';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';

/**
 * A job that has not started is cancelled at once and never runs (a leftover wake-up message
 * finds nothing to claim). A running job becomes `cancelling`: its worker sees it on its next
 * heartbeat, aborts the handler with reason "cancelled" and finishes it as `cancelled`.
 */
@CommandHandler(CancelJobCommand)
export class CancelJobHandler implements ICommandHandler<CancelJobCommand, JobInfo> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ principal, jobId }: CancelJobCommand): Promise<JobInfo> {
    const { after, changed } = await changeJob(this.jobs, principal, jobId, (job) => {
      if (job.status === JobStatus.Cancelling) return null; // already on its way
      if (job.status === JobStatus.Running) {
        assertTransition(job.status, JobStatus.Cancelling);
        return { status: JobStatus.Cancelling, event: { type: 'cancelling', actor: principal.userId } };
      }
      assertTransition(job.status, JobStatus.Cancelled);
      return { status: JobStatus.Cancelled, complete: true, event: { type: 'cancelled', actor: principal.userId, data: { from: job.status } } };
    });
    if (changed && after.status === JobStatus.Cancelled) this.eventBus.publish(new JobCancelled(after.id, after.type, after.tenant));
    return toJobInfo(after);
  }
}

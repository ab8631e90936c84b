import { Inject } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, FieldError, ValidationError } from '@porter/shared-kernel';
import { UpdateJobCommand } from '../../public/actions/update-job.command';
import type { JobInfo } from '../../public/entities/job-info';
import { JobStatus } from '../../public/enums/job-status';
import { JobRescheduled } from '../../public/events/job-events';
import { jobNameProblem } from '../../domain/job-name';
import { assertTransition } from '../../domain/job-state-machine';
import { changeJob } from '../job-guard';
import { toJobInfo } from '../job-info.mapper';
import { JobChange, JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';

/**
 * Renames, re-describes and reschedules. A future `scheduledFor` makes a pending or scheduled
 * job `scheduled` (with a new wake-up at that time: an older one finds nothing due); null or a
 * past time makes it pending now.
 */
@CommandHandler(UpdateJobCommand)
export class UpdateJobHandler implements ICommandHandler<UpdateJobCommand, JobInfo> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ principal, jobId, changes }: UpdateJobCommand): Promise<JobInfo> {
    const errors: FieldError[] = [];
    const nameProblem = changes.name ? jobNameProblem(changes.name) : null;
    if (nameProblem) errors.push({ path: 'name', message: nameProblem });
    if (changes.scheduledFor && Number.isNaN(changes.scheduledFor.getTime())) {
      errors.push({ path: 'scheduledFor', message: 'must be a valid date' });
    }
    if (errors.length) throw new ValidationError('The job cannot be updated', errors);

    const { after, changed } = await changeJob(this.jobs, principal, jobId, (job) => {
      if (job.status === JobStatus.Deleted) throw new ConflictError('A deleted job cannot be changed');
      const change: JobChange = { event: { type: 'updated', actor: principal.userId, data: {} } };
      const data = change.event.data as Record<string, unknown>;
      if (changes.name !== undefined) data.name = change.name = changes.name;
      if (changes.description !== undefined) data.description = change.description = changes.description;
      if (changes.scheduledFor !== undefined) {
        if (job.status !== JobStatus.Pending && job.status !== JobStatus.Scheduled) {
          throw new ConflictError(`A ${job.status} job cannot be rescheduled (only pending or scheduled jobs)`);
        }
        const at = changes.scheduledFor;
        data.scheduledFor = at?.toISOString() ?? null;
        if (at && at.getTime() > Date.now()) {
          assertTransition(job.status, JobStatus.Scheduled);
          Object.assign(change, { status: JobStatus.Scheduled, scheduledFor: at, enqueueAt: at });
          change.event.type = 'scheduled';
        } else if (job.status === JobStatus.Scheduled) {
          assertTransition(job.status, JobStatus.Pending);
          Object.assign(change, { status: JobStatus.Pending, scheduledFor: null, enterQueue: true, enqueueAt: null });
          change.event.type = 'schedule_cleared';
        } else {
          change.scheduledFor = null;
        }
      }
      return change;
    });
    if (changed && changes.scheduledFor !== undefined) {
      this.eventBus.publish(new JobRescheduled(after.id, after.type, after.tenant, after.scheduledFor));
    }
    return toJobInfo(after);
  }
}

import { Inject } from '@nestjs/common';
import { EventBus, EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { JobCancelled, JobDeleted, JobFailed, JobPurged, JobRescheduled } from '@porter/job-queue';
import { CLOCK, Clock } from '@porter/shared-kernel';
import { ExportFailed } from '../../public/events/export-failed.event';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';
import { EXPORT_JOB_TYPE } from '../request-export/request-export.handler';

/**
 * Keeps an export in step with its job when the job ends outside the export's own handler: the
 * attempts ran out after a crash, the job was cancelled while pending, or cancelled from the jobs
 * API. The transitions are guarded (only a non-terminal export changes), so the handler's own
 * update and these never publish twice. A cancelled job's files are deleted by the job-queue, so
 * JobCancelled also takes back an export that completed a moment before (see markCancelledByJob).
 * JobDeleted (a terminal export job deleted through the jobs API, which removes its files) expires
 * the export's result, so the export says `expired` and answers 410 instead of offering a file
 * that is gone; the record stays for audit. JobPurged (the job purged JOB_PURGE_AGE_MS after it ended,
 * with its files: possibly before the export type's retention) does the same. JobRescheduled (the job's due time changed through
 * the jobs API) keeps the export's `scheduled` status in step.
 */
type ExportJobEvent = JobFailed | JobCancelled | JobDeleted | JobPurged | JobRescheduled;

@EventsHandler(JobFailed, JobCancelled, JobDeleted, JobPurged, JobRescheduled)
export class ExportJobEventsHandler implements IEventHandler<ExportJobEvent> {
  constructor(
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly eventBus: EventBus,
  ) {}

  async handle(event: ExportJobEvent): Promise<void> {
    if (event.type !== EXPORT_JOB_TYPE) return;
    if (event instanceof JobRescheduled) {
      await this.exports.rescheduleByJob(event.jobId, event.scheduledFor);
    } else if (event instanceof JobDeleted || event instanceof JobPurged) {
      await this.exports.expireResultsByJob(event.jobId, this.clock.now());
    } else if (event instanceof JobFailed) {
      const failed = await this.exports.markFailedByJob(event.jobId, event.errorDetails, this.clock.now());
      if (failed) this.eventBus.publish(new ExportFailed(failed.id, failed.jobId, failed.tenant, failed.type, failed.requestedBy, event.errorDetails));
    } else {
      await this.exports.markCancelledByJob(event.jobId, this.clock.now());
    }
  }
}

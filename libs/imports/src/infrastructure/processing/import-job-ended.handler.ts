import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { JobCancelled, JobFailed } from '@porter/job-queue';
import { IMPORT_BATCH_JOB_TYPE } from '../../domain/import-batch-job';
import { BatchState } from './batch-state';

/**
 * A batch job that fails for good (attempts exhausted, a stalled worker with no attempt left)
 * or is cancelled leaves its batch unfinished: mark it failed with the reason, so a batch
 * always ends in a terminal status and its record can complete.
 */
@EventsHandler(JobFailed, JobCancelled)
export class ImportJobEndedHandler implements IEventHandler<JobFailed | JobCancelled> {
  constructor(private readonly state: BatchState) {}

  async handle(event: JobFailed | JobCancelled): Promise<void> {
    if (event.type !== IMPORT_BATCH_JOB_TYPE) return;
    const reason =
      event instanceof JobFailed
        ? `the processing job failed after ${event.attempts} attempt${event.attempts === 1 ? '' : 's'}: ${event.errorDetails}`
        : 'the processing job was cancelled';
    await this.state.failByJob(event.jobId, reason).catch(() => undefined);
  }
}

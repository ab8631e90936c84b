import { Inject, Logger } from '@nestjs/common';
import { EventsHandler, IEventHandler } from '@nestjs/cqrs';
import { JobCancelled, JobFailed } from '@porter/job-queue';
import { IMPORT_BATCH_STORE, ImportBatchStore } from '../../application/ports/import-batch-store.port';
import { IMPORT_BATCH_JOB_TYPE } from '../../domain/import-batch-job';

/**
 * A batch job that fails for good (attempts exhausted, a stalled worker with no attempt left)
 * or is cancelled leaves its batch unfinished: mark it failed with the reason, so a batch
 * always ends in a terminal status and its record can complete.
 *
 * The event comes once, in memory: if writing the batch's end fails (the database briefly
 * unreachable), nothing would ever end the batch, so the write is retried with backoff; if every
 * attempt fails, the error is logged with the batch's job and rethrown (the event bus reports it).
 */
@EventsHandler(JobFailed, JobCancelled)
export class ImportJobEndedHandler implements IEventHandler<JobFailed | JobCancelled> {
  private readonly logger = new Logger('ImportJobEnded');
  /** Attempts in all, and the delay before the second one (doubling after each failure). */
  retry = { attempts: 6, firstDelayMs: 250 };

  constructor(@Inject(IMPORT_BATCH_STORE) private readonly batches: ImportBatchStore) {}

  async handle(event: JobFailed | JobCancelled): Promise<void> {
    if (event.type !== IMPORT_BATCH_JOB_TYPE) return;
    const reason =
      event instanceof JobFailed
        ? `the processing job failed after ${event.attempts} attempt${event.attempts === 1 ? '' : 's'}: ${event.errorDetails}`
        : 'the processing job was cancelled';
    for (let attempt = 1; ; attempt++) {
      try {
        await this.batches.failByJob(event.jobId, reason);
        return;
      } catch (error) {
        const message = (error as Error).message;
        if (attempt >= this.retry.attempts) {
          this.logger.error(`could not mark the batch of job ${event.jobId} failed after ${attempt} attempts; it stays unfinished: ${message}`);
          throw error;
        }
        const delayMs = this.retry.firstDelayMs * 2 ** (attempt - 1);
        this.logger.warn(`could not mark the batch of job ${event.jobId} failed (attempt ${attempt}), retrying in ${delayMs} ms: ${message}`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}

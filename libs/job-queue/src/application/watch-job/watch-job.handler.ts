import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { WatchJobQuery } from '../../public/queries/watch-job.query';
import type { JobStream, JobStreamEndReason, JobStreamEvent } from '../../public/entities/job-stream';
import { JobStatus } from '../../public/enums/job-status';
import { JobSnapshot, JobStreamCursor } from '../../domain/job-stream-cursor';
import { loadVisibleJob } from '../job-guard';
import { JOB_REPOSITORY, JobRepository } from '../ports/job.repository.port';
import { JOB_CHANGE_FEED, JobChangeFeed } from '../ports/job-change-feed.port';

/**
 * Checks that the caller may see the job (NotFound otherwise, before anything is followed),
 * reads its current state for the first events, and follows it on the process's change feed.
 */
@QueryHandler(WatchJobQuery)
export class WatchJobHandler implements IQueryHandler<WatchJobQuery, JobStream> {
  constructor(
    @Inject(JOB_REPOSITORY) private readonly jobs: JobRepository,
    @Inject(JOB_CHANGE_FEED) private readonly feed: JobChangeFeed,
  ) {}

  async execute({ principal, jobId, lastEventId }: WatchJobQuery): Promise<JobStream> {
    const job = await loadVisibleJob(this.jobs, principal, jobId);
    const cursor = new JobStreamCursor(lastEventId);
    let last: JobSnapshot = { status: job.status, processed: job.progressProcessed, total: job.progressTotal };
    const initial = cursor.next(last, Date.now());
    const feed = this.feed;
    return {
      initial,
      ended: cursor.ended,
      follow(onEvent: (event: JobStreamEvent) => void, onEnd: (reason: JobStreamEndReason) => void): () => void {
        let stop: (() => void) | null = null;
        let finished = false;
        const finish = (reason: JobStreamEndReason) => {
          if (finished) return;
          finished = true;
          stop?.();
          onEnd(reason);
        };
        if (cursor.ended) {
          queueMicrotask(() => finish('terminal'));
          return () => {
            finished = true;
          };
        }
        stop = feed.watch(job.id, {
          onSnapshot(snapshot) {
            if (finished) return;
            // A purged row ends the stream as a deleted job would.
            last = snapshot ?? { ...last, status: JobStatus.Deleted };
            for (const event of cursor.next(last, Date.now())) onEvent(event);
            if (cursor.ended) finish('terminal');
          },
          onClose() {
            finish('shutdown');
          },
        });
        return () => {
          finished = true;
          stop?.();
        };
      },
    };
  }
}

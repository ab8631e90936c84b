import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { JobStream } from '../entities/job-stream';

/**
 * Opens a job's live stream (status and progress as they change). Same permission rules as
 * `GetJobQuery`: another tenant's job, or (for non-admins) another user's, is NotFound, before
 * anything is followed. `lastEventId`: the id of the last event the client got (SSE
 * Last-Event-ID); the stream then starts with what changed since. An id it cannot read is ignored.
 */
export class WatchJobQuery extends Query<JobStream> {
  constructor(readonly principal: Principal, readonly jobId: string, readonly lastEventId: string | null = null) {
    super();
  }
}

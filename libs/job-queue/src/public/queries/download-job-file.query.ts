import { Query } from '@nestjs/cqrs';
import type { FileDownload, Principal } from '@porter/shared-kernel';

/**
 * Reads one file of a job the caller may see, by name: an output (the job type's
 * JobFileAccessPolicy, if any, is consulted first; it may refuse or count the read) or else an
 * attachment (seeing the job is enough). A stored object missing since is `NotFoundError('Job file')`
 * from `open`. `countsAsDownload` false (a HEAD, or a Range that resumes past the first byte) is
 * passed on to the policy: it checks, and records nothing.
 */
export class DownloadJobFileQuery extends Query<FileDownload> {
  constructor(readonly principal: Principal, readonly jobId: string, readonly name: string, readonly countsAsDownload = true) {
    super();
  }
}

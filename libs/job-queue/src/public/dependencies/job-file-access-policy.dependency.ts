import { SetMetadata } from '@nestjs/common';
import type { Principal } from '@porter/shared-kernel';
import type { JobFile } from '../entities/job-file';

/** A caller asking for the bytes of one output file of a job it may see. */
export interface JobFileReadRequest {
  readonly principal: Principal;
  readonly jobId: string;
  readonly jobType: string;
  readonly file: JobFile;
  /**
   * False when the caller will not receive the file from its start (a HEAD, or a Range that
   * resumes past the first byte): check everything, record nothing. Absent means true.
   */
  readonly countsAsDownload?: boolean;
}

/**
 * What the owner of a job type adds to "may see the job" before a caller reads one of that job's
 * output files (`DownloadJobFileQuery`, i.e. `GET /api/v1/jobs/{id}/files/{name}`).
 *
 * Seeing a job is the job-queue's rule (own jobs; the whole tenant for admins). The files of a job
 * may be governed by stricter rules of the module that ran it (exports: scopes, expiry, download
 * counts), which the job-queue does not know. A module that writes such files registers a policy
 * for its job type; job types without one are readable by whoever sees the job.
 *
 * `authorizeRead` throws to refuse — NotFoundError (404: the caller may not know the file),
 * GoneError (410), ConflictError (409) from @porter/shared-kernel — and may record the read (the
 * bytes are served right after it resolves).
 */
export interface JobFileAccessPolicy {
  authorizeRead(request: JobFileReadRequest): Promise<void>;
}

export const JOB_FILE_ACCESS_POLICY_METADATA = 'porter:job-file-access-policy';

/**
 * Registers a provider as the JobFileAccessPolicy of a job type. Put the class in the providers of
 * the owning module's (API-side) Nest module; JobQueueModule discovers it at start. One per type.
 */
export const JobFileAccessPolicyFor = (jobType: string): ClassDecorator => SetMetadata(JOB_FILE_ACCESS_POLICY_METADATA, jobType);

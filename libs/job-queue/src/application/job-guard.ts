import { ConflictError, NotFoundError, Principal } from '@porter/shared-kernel';
import type { JobStatus } from '../public/enums/job-status';
import type { JobChange, JobRecord, JobRepository } from './ports/job.repository.port';

/** Loads a job the principal may see; another tenant's or (non-admin) another user's is NotFound. */
export async function loadVisibleJob(jobs: JobRepository, principal: Principal, jobId: string): Promise<JobRecord> {
  const job = await jobs.findVisible(principal, jobId);
  if (!job) throw new NotFoundError('Job', jobId);
  return job;
}

/**
 * Decide-then-write with optimistic concurrency: `decide` sees the current job (and throws on
 * an illegal change); the write is applied only if the status is still the one decided on.
 * A worker changing the job in between makes us decide again on the fresh state.
 */
export async function changeJob(
  jobs: JobRepository,
  principal: Principal,
  jobId: string,
  decide: (job: JobRecord) => JobChange | null,
): Promise<{ before: JobRecord; after: JobRecord; changed: boolean }> {
  for (let round = 0; round < 5; round++) {
    const before = await loadVisibleJob(jobs, principal, jobId);
    const change = decide(before);
    if (!change) return { before, after: before, changed: false };
    const after = await jobs.apply(jobId, before.status as JobStatus, change);
    if (after) return { before, after, changed: true };
  }
  throw new ConflictError(`Job ${jobId} is changing too often; try again`);
}

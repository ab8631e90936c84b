import type { Page, PageRequest, Principal } from '@porter/shared-kernel';
import type { JobInfo } from '../../public/entities/job-info';
import type { JobListFilters } from './job.repository.port';

/**
 * The query side of jobs (GET /jobs/{id}, GET /jobs): what a caller sees of a job, read straight
 * from Postgres in the shape the queries answer with (ADR 068). Commands keep reading JobRecords
 * through the JobRepository. Answers are frozen: callers that asked the same thing at the same
 * moment may share one (ADR 093); copy before changing.
 */
export interface JobReadModel {
  /** The job if the principal may see it (same tenant, and own job unless admin), else null. */
  get(principal: Principal, jobId: string): Promise<JobInfo | null>;
  list(principal: Principal, filters: JobListFilters, page: PageRequest): Promise<Page<JobInfo>>;
}

export const JOB_READ_MODEL = Symbol('JOB_READ_MODEL');

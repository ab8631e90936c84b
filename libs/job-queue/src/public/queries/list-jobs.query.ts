import { Query } from '@nestjs/cqrs';
import type { Page, Principal, SortOrder } from '@porter/shared-kernel';
import type { JobInfo } from '../entities/job-info';
import type { JobStatus } from '../enums/job-status';

/** A page of the jobs the principal may see. The answer is frozen (copy it to change it). */
export class ListJobsQuery extends Query<Page<JobInfo>> {
  constructor(
    readonly principal: Principal,
    /**
     * `query`: the list's query language (docs/job-queue.md), e.g. `status==failed and type==export* sortBy submittedAt/desc`.
     * `excludeSystem`: leave out the jobs Porter submits on its own (webhook deliveries, emails; submitted by `system`).
     */
    readonly filters: { status?: JobStatus; type?: string; submittedBy?: string; query?: string; excludeSystem?: boolean },
    readonly offset = 0,
    readonly limit = 20,
    /** By submission time: newest first unless 'oldest'. */
    readonly sort: SortOrder = 'newest',
  ) {
    super();
  }
}

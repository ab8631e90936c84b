import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { JobInfo } from '../entities/job-info';

/** Permission-filtered: another tenant's job, or (for non-admins) another user's, is NotFound. The answer is frozen (copy it to change it). */
export class GetJobQuery extends Query<JobInfo> {
  constructor(readonly principal: Principal, readonly jobId: string) {
    super();
  }
}

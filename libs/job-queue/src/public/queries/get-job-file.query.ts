import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { JobFile } from '../entities/job-file';

/**
 * One output file of a job (name given), or all of them (name omitted). Naming a file is reading
 * it: the job type's JobFileAccessPolicy, if any, is consulted first (it may refuse or count the read).
 */
export class GetJobFileQuery extends Query<JobFile[]> {
  constructor(readonly principal: Principal, readonly jobId: string, readonly name?: string) {
    super();
  }
}

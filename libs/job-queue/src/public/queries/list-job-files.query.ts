import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { JobFile } from '../entities/job-file';

/** The output files and attachments of a job the caller may see (names, sizes; no bytes are read). */
export class ListJobFilesQuery extends Query<JobFile[]> {
  constructor(readonly principal: Principal, readonly jobId: string) {
    super();
  }
}

import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { JobInfo } from '../entities/job-info';

export class RetryJobCommand extends Command<JobInfo> {
  constructor(readonly principal: Principal, readonly jobId: string) {
    super();
  }
}

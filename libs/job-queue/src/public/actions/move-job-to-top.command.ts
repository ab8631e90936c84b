import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { JobInfo } from '../entities/job-info';

/** Admin only: makes a pending job the next one taken. */
export class MoveJobToTopCommand extends Command<JobInfo> {
  constructor(readonly principal: Principal, readonly jobId: string) {
    super();
  }
}

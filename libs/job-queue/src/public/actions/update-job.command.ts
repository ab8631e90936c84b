import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { JobInfo } from '../entities/job-info';

/** Fields left undefined are unchanged; `scheduledFor: null` clears the schedule (runs now). */
export class UpdateJobCommand extends Command<JobInfo> {
  constructor(
    readonly principal: Principal,
    readonly jobId: string,
    readonly changes: { name?: string | null; description?: string | null; scheduledFor?: Date | null },
  ) {
    super();
  }
}

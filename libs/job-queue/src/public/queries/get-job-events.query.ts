import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { JobEvent } from '../entities/job-event';

export class GetJobEventsQuery extends Query<JobEvent[]> {
  constructor(readonly principal: Principal, readonly jobId: string) {
    super();
  }
}

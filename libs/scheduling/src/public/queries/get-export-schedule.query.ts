import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ExportSchedule } from '../entities/export-schedule';

/** One schedule with its next five ticks; NotFound for another tenant's or, for a non-admin, another user's. */
export class GetExportScheduleQuery extends Query<ExportSchedule> {
  constructor(readonly principal: Principal, readonly scheduleId: string) {
    super();
  }
}

import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { CLOCK, Clock, NotFoundError } from '@porter/shared-kernel';
import type { ExportSchedule } from '../../public/entities/export-schedule';
import { GetExportScheduleQuery } from '../../public/queries/get-export-schedule.query';
import { toExportSchedule } from '../export-schedule-read-model';
import { EXPORT_SCHEDULE_REPOSITORY, ExportScheduleRepository } from '../ports/export-schedule.repository.port';

@QueryHandler(GetExportScheduleQuery)
export class GetExportScheduleHandler implements IQueryHandler<GetExportScheduleQuery, ExportSchedule> {
  constructor(
    @Inject(EXPORT_SCHEDULE_REPOSITORY) private readonly schedules: ExportScheduleRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ principal, scheduleId }: GetExportScheduleQuery): Promise<ExportSchedule> {
    const schedule = await this.schedules.findVisible(principal, scheduleId);
    if (!schedule) throw new NotFoundError('Export schedule', scheduleId);
    // The preview starts at the stored next tick when one is due but not yet claimed.
    const now = this.clock.now();
    const from = schedule.nextRunAt && schedule.nextRunAt.getTime() <= now.getTime() ? new Date(schedule.nextRunAt.getTime() - 1) : now;
    return toExportSchedule(schedule, { from });
  }
}

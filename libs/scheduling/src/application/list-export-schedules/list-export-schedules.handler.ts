import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page, pageRequest } from '@porter/shared-kernel';
import type { ExportSchedule } from '../../public/entities/export-schedule';
import { ListExportSchedulesQuery } from '../../public/queries/list-export-schedules.query';
import { toExportSchedule } from '../export-schedule-read-model';
import { EXPORT_SCHEDULE_REPOSITORY, ExportScheduleRepository } from '../ports/export-schedule.repository.port';

@QueryHandler(ListExportSchedulesQuery)
export class ListExportSchedulesHandler implements IQueryHandler<ListExportSchedulesQuery, Page<ExportSchedule>> {
  constructor(@Inject(EXPORT_SCHEDULE_REPOSITORY) private readonly schedules: ExportScheduleRepository) {}

  async execute({ principal, offset, limit, sort }: ListExportSchedulesQuery): Promise<Page<ExportSchedule>> {
    const page = await this.schedules.listVisible(principal, pageRequest(offset, limit, sort));
    return { items: page.items.map((s) => toExportSchedule(s)), totalRecords: page.totalRecords };
  }
}

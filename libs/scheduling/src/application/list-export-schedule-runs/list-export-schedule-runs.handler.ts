import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ExportInfo, GetExportInfoQuery } from '@porter/exports';
import { NotFoundError, Page, pageRequest, Principal } from '@porter/shared-kernel';
import type { ExportScheduleRunExport } from '../../public/entities/export-schedule';
import { ListExportScheduleRunsQuery } from '../../public/queries/list-export-schedule-runs.query';
import { toRunExport } from '../export-schedule-read-model';
import { EXPORT_SCHEDULE_REPOSITORY, ExportScheduleRepository } from '../ports/export-schedule.repository.port';

/** How many exports are read at once through the exports module for one page of runs. */
const READ_CONCURRENCY = 8;

@QueryHandler(ListExportScheduleRunsQuery)
export class ListExportScheduleRunsHandler implements IQueryHandler<ListExportScheduleRunsQuery, Page<ExportScheduleRunExport>> {
  constructor(
    @Inject(EXPORT_SCHEDULE_REPOSITORY) private readonly schedules: ExportScheduleRepository,
    private readonly queryBus: QueryBus,
  ) {}

  async execute({ principal, scheduleId, offset, limit, sort }: ListExportScheduleRunsQuery): Promise<Page<ExportScheduleRunExport>> {
    const schedule = await this.schedules.findVisible(principal, scheduleId);
    if (!schedule) throw new NotFoundError('Export schedule', scheduleId);
    const page = await this.schedules.listRuns(schedule.id, pageRequest(offset, limit, sort));
    const infos: Array<ExportInfo | null> = new Array(page.items.length).fill(null);
    for (let i = 0; i < page.items.length; i += READ_CONCURRENCY) {
      await Promise.all(
        page.items.slice(i, i + READ_CONCURRENCY).map(async (run, j) => {
          if (run.exportId) infos[i + j] = await readExport(this.queryBus, principal, run.exportId);
        }),
      );
    }
    return { items: page.items.map((run, i) => toRunExport(run, schedule, infos[i])), totalRecords: page.totalRecords };
  }
}

/** The export as the caller may see it (the exports module's rules), or null. */
export async function readExport(queryBus: QueryBus, principal: Principal, exportId: string): Promise<ExportInfo | null> {
  try {
    return await queryBus.execute(new GetExportInfoQuery(principal, exportId));
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

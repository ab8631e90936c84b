import { Query } from '@nestjs/cqrs';
import type { Page, Principal, SortOrder } from '@porter/shared-kernel';
import type { ExportScheduleRunExport } from '../entities/export-schedule';

/** A schedule's runs, latest tick first unless `sort` is 'oldest', each with the ExportInfo of its export (read as the caller). */
export class ListExportScheduleRunsQuery extends Query<Page<ExportScheduleRunExport>> {
  constructor(readonly principal: Principal, readonly scheduleId: string, readonly offset = 0, readonly limit = 20, readonly sort?: SortOrder) {
    super();
  }
}

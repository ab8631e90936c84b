import { Query } from '@nestjs/cqrs';
import type { Page, Principal, SortOrder } from '@porter/shared-kernel';
import type { ExportSchedule } from '../entities/export-schedule';

/** The schedules the caller manages (its own; a tenant admin: the tenant's), newest first unless `sort` is 'oldest'. */
export class ListExportSchedulesQuery extends Query<Page<ExportSchedule>> {
  constructor(readonly principal: Principal, readonly offset = 0, readonly limit = 20, readonly sort?: SortOrder) {
    super();
  }
}

import { Query } from '@nestjs/cqrs';
import type { Page, Principal, SortOrder } from '@porter/shared-kernel';
import type { ExportInfo } from '../entities/export-info';
import type { ExportStatus } from '../enums/export-status';

/** The exports the caller may see, newest first unless `sort` is 'oldest' (filtering happens in SQL). */
export class ListExportsQuery extends Query<Page<ExportInfo>> {
  constructor(
    readonly principal: Principal,
    readonly filters: { type?: string; status?: ExportStatus } = {},
    readonly offset = 0,
    readonly limit = 20,
    readonly sort: SortOrder = 'newest',
  ) {
    super();
  }
}

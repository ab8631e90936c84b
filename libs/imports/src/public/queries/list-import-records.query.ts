import { Query } from '@nestjs/cqrs';
import type { Page, Principal, SortOrder } from '@porter/shared-kernel';
import type { ImportRecordInfo } from '../entities/import-record-info';

/** Newest first unless `sort` is 'oldest'. A non-admin sees the records it created; an admin sees the tenant's. */
export class ListImportRecordsQuery extends Query<Page<ImportRecordInfo>> {
  constructor(
    readonly principal: Principal,
    readonly filter: { type?: string; status?: string; offset?: number; limit?: number; sort?: SortOrder } = {},
  ) {
    super();
  }
}

import { Query } from '@nestjs/cqrs';
import type { Page, Principal } from '@porter/shared-kernel';
import type { ImportResultInfo } from '../entities/import-result-info';
import type { ImportResultStatus } from '../enums/import-result-status';

/** Results of a batch in row order, optionally of one status. */
export class ListImportResultsQuery extends Query<Page<ImportResultInfo>> {
  constructor(
    readonly principal: Principal,
    readonly importRecordId: string,
    readonly importBatchId: string,
    readonly filter: { status?: ImportResultStatus; offset?: number; limit?: number } = {},
  ) {
    super();
  }
}

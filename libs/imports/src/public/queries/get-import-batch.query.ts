import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ImportBatchInfo } from '../entities/import-batch-info';

export class GetImportBatchQuery extends Query<ImportBatchInfo> {
  constructor(readonly principal: Principal, readonly importRecordId: string, readonly importBatchId: string) {
    super();
  }
}

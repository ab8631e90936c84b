import type { ImportBatchCounts } from '../entities/import-batch-info';
import type { ImportBatchStatus } from '../enums/import-batch-status';

/** Published when a batch reaches a terminal status (completed, partially_failed or failed). */
export class ImportBatchCompleted {
  constructor(
    readonly importRecordId: string,
    readonly importBatchId: string,
    readonly tenant: string,
    readonly type: string,
    readonly status: ImportBatchStatus,
    readonly counts: ImportBatchCounts,
  ) {}
}

/** Published when a finalised record has every batch terminal. */
export class ImportRecordCompleted {
  constructor(
    readonly importRecordId: string,
    readonly tenant: string,
    readonly type: string,
    readonly batchCount: number,
  ) {}
}

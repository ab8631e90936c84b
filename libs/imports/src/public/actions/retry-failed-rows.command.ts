import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ImportBatchInfo } from '../entities/import-batch-info';

/** Runs the failed (and partially failed) rows of a terminal batch again, as a new job on the same batch. */
export class RetryFailedRowsCommand extends Command<ImportBatchInfo> {
  constructor(readonly principal: Principal, readonly importRecordId: string, readonly importBatchId: string) {
    super();
  }
}

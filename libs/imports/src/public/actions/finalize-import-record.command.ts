import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ImportRecordInfo } from '../entities/import-record-info';

/** No more batches: the record completes once every batch is terminal (now or later). */
export class FinalizeImportRecordCommand extends Command<ImportRecordInfo> {
  constructor(readonly principal: Principal, readonly importRecordId: string) {
    super();
  }
}

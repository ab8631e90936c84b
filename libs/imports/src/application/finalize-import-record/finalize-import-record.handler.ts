import { Inject } from '@nestjs/common';
import { CommandHandler, EventBus, ICommandHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { FinalizeImportRecordCommand } from '../../public/actions/finalize-import-record.command';
import type { ImportRecordInfo } from '../../public/entities/import-record-info';
import { TERMINAL_IMPORT_BATCH_STATUSES, ImportBatchStatus } from '../../public/enums/import-batch-status';
import { ImportRecordCompleted } from '../../public/events/import-events';
import { scopeOf, toRecordInfo } from '../import-read-models';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

/** Finalising is idempotent; the record completes now if every batch is terminal, else when the last one ends. */
@CommandHandler(FinalizeImportRecordCommand)
export class FinalizeImportRecordHandler implements ICommandHandler<FinalizeImportRecordCommand, ImportRecordInfo> {
  constructor(
    @Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository,
    private readonly eventBus: EventBus,
  ) {}

  async execute({ principal, importRecordId }: FinalizeImportRecordCommand): Promise<ImportRecordInfo> {
    const scope = scopeOf(principal);
    const { completedNow, batchCount, type } = await this.repository.inTransaction(async () => {
      const record = await this.repository.findRecord(scope, importRecordId, true);
      if (!record) throw new NotFoundError('Import record', importRecordId);
      const batches = await this.repository.listBatches([record.id]);
      const now = new Date();
      if (!record.finalizedAt) await this.repository.updateRecord(record.id, { finalizedAt: now });
      const allTerminal = batches.every((b) => TERMINAL_IMPORT_BATCH_STATUSES.includes(b.status as ImportBatchStatus));
      const completedNow = record.status !== 'completed' && allTerminal;
      if (completedNow) await this.repository.updateRecord(record.id, { status: 'completed', completedAt: now });
      return { completedNow, batchCount: batches.length, type: record.type };
    });
    if (completedNow) this.eventBus.publish(new ImportRecordCompleted(importRecordId, principal.tenant, type, batchCount));
    const record = await this.repository.findRecord(scope, importRecordId);
    return toRecordInfo(record!, await this.repository.listBatches([importRecordId]));
  }
}

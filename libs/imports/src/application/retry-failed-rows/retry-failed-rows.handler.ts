import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, NotFoundError } from '@porter/shared-kernel';
import { SubmitJobCommand } from '@porter/job-queue';
import { RetryFailedRowsCommand } from '../../public/actions/retry-failed-rows.command';
import type { ImportBatchInfo } from '../../public/entities/import-batch-info';
import { ImportBatchStatus, TERMINAL_IMPORT_BATCH_STATUSES } from '../../public/enums/import-batch-status';
import { IMPORT_BATCH_JOB_TYPE, ImportBatchJobPayload } from '../../domain/import-batch-job';
import { batchInfoOf, scopeOf } from '../import-read-models';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

/**
 * Failed and partially failed rows go to `retrying`, the batch back to `started`, and a new job
 * (same batch) runs exactly those rows again: all in one transaction.
 *
 * A batch that ended before the end of its file (aborted by onError "abort", or whose job failed
 * for good or was cancelled midway) is resumed instead: besides its failed rows, the job reads
 * the file again from the row after the last committed one (the aborted row included), so every
 * row of the file ends up with exactly one result. The resumed rows go on past failures: a retry
 * is the caller's decision to see every row through.
 *
 * A batch whose job ended before its file was scanned (cancelled before it ran, or failed for
 * good during the scan) has nothing to retry yet: it is processed again from the start. A batch
 * whose file was refused stays refused (409): the same file would be refused again.
 */
@CommandHandler(RetryFailedRowsCommand)
export class RetryFailedRowsHandler implements ICommandHandler<RetryFailedRowsCommand, ImportBatchInfo> {
  constructor(
    @Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository,
    private readonly commandBus: CommandBus,
  ) {}

  async execute({ principal, importRecordId, importBatchId }: RetryFailedRowsCommand): Promise<ImportBatchInfo> {
    const scope = scopeOf(principal);
    const result = await this.repository.inTransaction(async (transaction) => {
      const record = await this.repository.findRecord(scope, importRecordId, true);
      if (!record) throw new NotFoundError('Import record', importRecordId);
      const batch = await this.repository.findBatch(record.id, importBatchId);
      if (!batch) throw new NotFoundError('Import batch', importBatchId);
      if (!TERMINAL_IMPORT_BATCH_STATUSES.includes(batch.status as ImportBatchStatus)) {
        throw new ConflictError(`Import batch ${importBatchId} is ${batch.status}; only a finished batch can retry its failed rows`);
      }
      const restart = batch.header === null && batch.endedByJob;
      if (batch.header === null && !restart) {
        throw new ConflictError(`Import batch ${importBatchId} failed as a whole (${batch.errorDetails ?? 'file refused'}); upload a corrected file instead`);
      }
      const unfinished = batch.rowsInFile !== null && batch.lastRow < batch.rowsInFile;
      let name: string;
      let mode: ImportBatchJobPayload['mode'];
      if (restart) {
        await this.repository.restartBatch(batch.id);
        mode = 'process';
        name = `Import ${record.type} again (its previous job ended before the file was read)`;
      } else if (unfinished) {
        const retrying = await this.repository.reopenUnfinishedBatch(batch.id);
        mode = 'resume';
        name = `Resume import ${record.type} after row ${batch.lastRow} of ${batch.rowsInFile}${retrying ? `, retrying ${retrying} failed row${retrying === 1 ? '' : 's'}` : ''}`;
      } else {
        const retrying = await this.repository.markFailedRowsRetrying(batch.id);
        if (retrying === 0) throw new ConflictError(`Import batch ${importBatchId} has no failed rows to retry`);
        mode = 'retry';
        name = `Retry ${retrying} failed row${retrying === 1 ? '' : 's'} of import ${record.type}`;
      }
      const payload: ImportBatchJobPayload = { importRecordId: record.id, importBatchId: batch.id, mode };
      const { jobId } = await this.commandBus.execute(
        new SubmitJobCommand(principal, IMPORT_BATCH_JOB_TYPE, { ...payload }, { name, description: `Batch ${batch.id} of import record ${record.id}`, transaction }),
      );
      await this.repository.setBatchJob(batch.id, jobId);
      if (record.status === 'completed') await this.repository.updateRecord(record.id, { status: 'started', completedAt: null });
      return { record, batchId: batch.id };
    });
    const batch = await this.repository.findBatch(importRecordId, result.batchId);
    return batchInfoOf(result.record, batch!);
  }
}

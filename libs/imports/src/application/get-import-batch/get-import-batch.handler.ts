import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { GetImportBatchQuery } from '../../public/queries/get-import-batch.query';
import type { ImportBatchInfo } from '../../public/entities/import-batch-info';
import { batchInfoOf, scopeOf } from '../import-read-models';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

@QueryHandler(GetImportBatchQuery)
export class GetImportBatchHandler implements IQueryHandler<GetImportBatchQuery, ImportBatchInfo> {
  constructor(@Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository) {}

  async execute({ principal, importRecordId, importBatchId }: GetImportBatchQuery): Promise<ImportBatchInfo> {
    const record = await this.repository.findRecord(scopeOf(principal), importRecordId);
    if (!record) throw new NotFoundError('Import record', importRecordId);
    const batch = await this.repository.findBatch(record.id, importBatchId);
    if (!batch) throw new NotFoundError('Import batch', importBatchId);
    return batchInfoOf(record, batch);
  }
}

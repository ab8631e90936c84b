import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError, Page, pageRequest, ValidationError } from '@porter/shared-kernel';
import { ListImportResultsQuery } from '../../public/queries/list-import-results.query';
import type { ImportResultInfo } from '../../public/entities/import-result-info';
import { ImportResultStatus } from '../../public/enums/import-result-status';
import { scopeOf } from '../import-read-models';
import { IMPORT_RESULTS_READER, ImportResultsReader } from '../ports/import-results-reader.port';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

@QueryHandler(ListImportResultsQuery)
export class ListImportResultsHandler implements IQueryHandler<ListImportResultsQuery, Page<ImportResultInfo>> {
  constructor(
    @Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository,
    @Inject(IMPORT_RESULTS_READER) private readonly results: ImportResultsReader,
  ) {}

  async execute({ principal, importRecordId, importBatchId, filter }: ListImportResultsQuery): Promise<Page<ImportResultInfo>> {
    if (filter.status !== undefined && !Object.values(ImportResultStatus).includes(filter.status)) {
      throw new ValidationError('Invalid status', [{ path: 'status', message: `must be one of ${Object.values(ImportResultStatus).join(', ')}` }]);
    }
    const record = await this.repository.findRecord(scopeOf(principal), importRecordId);
    if (!record) throw new NotFoundError('Import record', importRecordId);
    const batch = await this.repository.findBatch(record.id, importBatchId);
    if (!batch) throw new NotFoundError('Import batch', importBatchId);
    const { offset, limit } = pageRequest(filter.offset, filter.limit);
    const page = await this.results.list(batch.id, filter.status, offset, limit);
    return { items: page.items, totalRecords: page.total };
  }
}

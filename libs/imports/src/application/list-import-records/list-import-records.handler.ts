import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page, pageRequest } from '@porter/shared-kernel';
import { ListImportRecordsQuery } from '../../public/queries/list-import-records.query';
import type { ImportRecordInfo } from '../../public/entities/import-record-info';
import { scopeOf, toRecordInfo } from '../import-read-models';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

@QueryHandler(ListImportRecordsQuery)
export class ListImportRecordsHandler implements IQueryHandler<ListImportRecordsQuery, Page<ImportRecordInfo>> {
  constructor(@Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository) {}

  async execute({ principal, filter }: ListImportRecordsQuery): Promise<Page<ImportRecordInfo>> {
    const { offset, limit, order } = pageRequest(filter.offset, filter.limit, filter.sort);
    const { items, total } = await this.repository.listRecords(scopeOf(principal), { type: filter.type, status: filter.status }, offset, limit, order);
    const batches = await this.repository.listBatches(items.map((r) => r.id));
    return {
      items: items.map((r) => toRecordInfo(r, batches.filter((b) => b.importRecordId === r.id))),
      totalRecords: total,
    };
  }
}

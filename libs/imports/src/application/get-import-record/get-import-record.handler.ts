import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { GetImportRecordQuery } from '../../public/queries/get-import-record.query';
import type { ImportRecordInfo } from '../../public/entities/import-record-info';
import { scopeOf, toRecordInfo } from '../import-read-models';
import { IMPORTS_REPOSITORY, ImportsRepository } from '../ports/imports-repository.port';

@QueryHandler(GetImportRecordQuery)
export class GetImportRecordHandler implements IQueryHandler<GetImportRecordQuery, ImportRecordInfo> {
  constructor(@Inject(IMPORTS_REPOSITORY) private readonly repository: ImportsRepository) {}

  async execute({ principal, importRecordId }: GetImportRecordQuery): Promise<ImportRecordInfo> {
    const record = await this.repository.findRecord(scopeOf(principal), importRecordId);
    if (!record) throw new NotFoundError('Import record', importRecordId);
    return toRecordInfo(record, await this.repository.listBatches([record.id]));
  }
}

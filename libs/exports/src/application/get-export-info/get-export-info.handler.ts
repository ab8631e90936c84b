import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { isUuid, NotFoundError } from '@porter/shared-kernel';
import type { ExportInfo } from '../../public/entities/export-info';
import { GetExportInfoQuery } from '../../public/queries/get-export-info.query';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';

@QueryHandler(GetExportInfoQuery)
export class GetExportInfoHandler implements IQueryHandler<GetExportInfoQuery, ExportInfo> {
  constructor(@Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository) {}

  async execute({ principal, exportId }: GetExportInfoQuery): Promise<ExportInfo> {
    const info = isUuid(exportId) ? await this.exports.getVisible(principal, exportId) : null;
    if (!info) throw new NotFoundError('Export', exportId);
    return info;
  }
}

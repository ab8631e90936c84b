import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page, pageRequest } from '@porter/shared-kernel';
import type { ExportInfo } from '../../public/entities/export-info';
import { ListExportsQuery } from '../../public/queries/list-exports.query';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';

@QueryHandler(ListExportsQuery)
export class ListExportsHandler implements IQueryHandler<ListExportsQuery, Page<ExportInfo>> {
  constructor(@Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository) {}

  execute({ principal, filters, offset, limit, sort }: ListExportsQuery): Promise<Page<ExportInfo>> {
    return this.exports.listVisible(principal, filters, pageRequest(offset, limit, sort));
  }
}

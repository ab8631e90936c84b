import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import type { ExportTypeInfo } from '../../public/entities/export-type-info';
import { ListExportTypesQuery } from '../../public/queries/list-export-types.query';
import { EXPORT_TYPE_CATALOG, ExportTypeCatalog } from '../ports/export-type-catalog.port';
import { describeExportFilters } from '../request-export/export-filters.validator';

@QueryHandler(ListExportTypesQuery)
export class ListExportTypesHandler implements IQueryHandler<ListExportTypesQuery, ExportTypeInfo[]> {
  constructor(@Inject(EXPORT_TYPE_CATALOG) private readonly types: ExportTypeCatalog) {}

  async execute(): Promise<ExportTypeInfo[]> {
    return this.types.list().map((t) => ({
      type: t.type,
      scope: t.scope,
      retentionPeriodDays: t.retentionPeriodDays,
      formats: [...t.formats],
      columns: t.columns.map((c) => ({ name: c.key, label: c.label ?? c.header })),
      keyColumn: t.keyColumn ?? null,
      filters: describeExportFilters(t.filters),
      description: t.description ?? null,
    }));
  }
}

import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { EXPORT_DATA_SOURCES, ExportDataSourceRegistry } from '../../public/dependencies/export-data-source.dependency';
import { EXPORT_TYPE_REGISTRY, ExportTypeInfo, ExportTypeRegistry } from '../../public/enums/export-type';
import { ListExportTypesQuery } from '../../public/queries/list-export-types.query';
import { describeExportFilters } from '../request-export/export-filters.validator';

@QueryHandler(ListExportTypesQuery)
export class ListExportTypesHandler implements IQueryHandler<ListExportTypesQuery, ExportTypeInfo[]> {
  constructor(
    @Inject(EXPORT_TYPE_REGISTRY) private readonly types: ExportTypeRegistry,
    @Inject(EXPORT_DATA_SOURCES) private readonly sources: ExportDataSourceRegistry,
  ) {}

  async execute(): Promise<ExportTypeInfo[]> {
    // A type is only offered when this deployment also has a data source for it.
    return this.types
      .list()
      .filter((t) => this.sources.has(t.type))
      .map((t) => ({
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

import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ListImportTypesQuery } from '../../public/queries/list-import-types.query';
import type { ImportTypeInfo } from '../../public/entities/import-type-info';
import { IMPORT_TYPE_CATALOG, ImportTypeCatalog } from '../ports/import-type-catalog.port';

@QueryHandler(ListImportTypesQuery)
export class ListImportTypesHandler implements IQueryHandler<ListImportTypesQuery, ImportTypeInfo[]> {
  constructor(@Inject(IMPORT_TYPE_CATALOG) private readonly catalog: ImportTypeCatalog) {}

  async execute(): Promise<ImportTypeInfo[]> {
    return this.catalog.list().map((t) => ({
      type: t.type,
      description: t.description ?? null,
      formats: [...t.formats],
      columns: t.columns.map((c) => ({ name: c.name, type: c.type, required: c.required === true, aliases: [...(c.aliases ?? [])], description: c.description ?? null })),
      uniqueKey: [...t.uniqueKey],
      chunkSize: t.chunkSize,
    }));
  }
}

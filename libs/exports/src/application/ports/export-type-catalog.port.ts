import type { ExportDataSource, ExportTypeDefinition } from '../../public/dependencies/export-data-source.dependency';

/** A declared export type and the provider that reads its rows. */
export interface CatalogedExportType {
  readonly definition: Readonly<ExportTypeDefinition>;
  readonly source: ExportDataSource<object>;
}

/**
 * The export types the hosts declared (@ExportDataSourceFor): the single source of truth for a
 * type's scope, retention, formats, columns and filters. Request checks, permissions, the worker
 * and the type list all read it.
 */
export interface ExportTypeCatalog {
  /** Every type, by name. */
  list(): Readonly<ExportTypeDefinition>[];
  find(type: string): CatalogedExportType | null;
}

export const EXPORT_TYPE_CATALOG = Symbol('EXPORT_TYPE_CATALOG');

import { Query } from '@nestjs/cqrs';
import type { ExportTypeInfo } from '../entities/export-type-info';

/** Every registered export type with its scope, retention, formats and filter fields. */
export class ListExportTypesQuery extends Query<ExportTypeInfo[]> {}

import { Query } from '@nestjs/cqrs';
import type { ExportTypeInfo } from '../enums/export-type';

/** Every registered export type with its scope, retention, formats and filter fields. */
export class ListExportTypesQuery extends Query<ExportTypeInfo[]> {}

import { Query } from '@nestjs/cqrs';
import type { ImportTypeInfo } from '../entities/import-type-info';

/** The registered import types (from every host's @ImportProcessorFor). */
export class ListImportTypesQuery extends Query<ImportTypeInfo[]> {}

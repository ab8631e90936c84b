import type { ImportColumnType } from '../dependencies/import-processor.dependency';
import type { ImportFormat } from '../enums/import-format';

export interface ImportColumnInfo {
  name: string;
  type: ImportColumnType;
  required: boolean;
  description: string | null;
}

/** An import type as callers see it (GET /imports/types). */
export interface ImportTypeInfo {
  type: string;
  description: string | null;
  formats: ImportFormat[];
  columns: ImportColumnInfo[];
  uniqueKey: string[];
  chunkSize: number;
}

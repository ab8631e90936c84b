import type { ExportScope } from '../dependencies/export-data-source.dependency';
import type { FileFormat } from '../enums/file-format';

/** One filter field as `GET /exports/types` describes it (derived from the class-validator schema). */
export interface ExportFilterField {
  name: string;
  rules: string[];
}

/** What `GET /api/v1/exports/types` returns for one type. */
export interface ExportTypeInfo {
  type: string;
  scope: ExportScope;
  retentionPeriodDays: number;
  formats: FileFormat[];
  columns: Array<{ name: string; label: string }>;
  /** The column explicit `ids` match; null when the type takes no ids. */
  keyColumn: string | null;
  filters: ExportFilterField[];
  description: string | null;
}

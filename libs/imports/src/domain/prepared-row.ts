import type { ImportRow } from '../public/dependencies/import-processor.dependency';
import type { ImportFormat } from '../public/enums/import-format';
import type { ColumnMapping } from './header-validation';
import { validateRow, ValidationOptions } from './row-validator';

/** A row ready for a chunk: validated values, or the reason it failed validation. */
export interface PreparedRow {
  rowNumber: number;
  cells: unknown[];
  values: ImportRow['values'] | null;
  failure: string | null;
  /** The reader refused the row: its cells cannot show why, so a retry repeats this failure. */
  final?: true;
}

/** A row as read from the file (or from a stored result): its cells, or why the reader refused it. */
export interface ReadRow {
  rowNumber: number;
  cells: unknown[];
  failure?: string;
}

/** How cells of a file of this format are read: XLSX numbers in date columns are Excel serial dates, a JSONL `""` is a value. */
export function validationOptionsFor(format: ImportFormat): ValidationOptions {
  return { excelSerialDates: format === 'xlsx', emptyStringIsValue: format === 'jsonl' };
}

/** Validates a row against the header's column mapping, with its file format's options (validationOptionsFor). */
export function prepareRow(row: ReadRow, mapping: ColumnMapping, options: ValidationOptions): PreparedRow {
  if (row.failure !== undefined) return { rowNumber: row.rowNumber, cells: row.cells, values: null, failure: row.failure, final: true };
  const v = validateRow(row.cells as never[], mapping, options);
  return v.ok
    ? { rowNumber: row.rowNumber, cells: row.cells, values: v.values, failure: null }
    : { rowNumber: row.rowNumber, cells: row.cells, values: null, failure: v.failure };
}

import type { ImportRow } from '../public/dependencies/import-processor.dependency';
import type { ColumnMapping } from './header-validation';
import { validateRow } from './row-validator';

/** A row ready for a chunk: validated values, or the reason it failed validation. */
export interface PreparedRow {
  rowNumber: number;
  cells: unknown[];
  values: ImportRow['values'] | null;
  failure: string | null;
}

/** A row as read from the file (or from a stored result): its cells, or why the reader refused it. */
export interface ReadRow {
  rowNumber: number;
  cells: unknown[];
  failure?: string;
}

/** Validates a row against the header's column mapping (XLSX: numbers in date columns are Excel serial dates). */
export function prepareRow(row: ReadRow, mapping: ColumnMapping, excelSerialDates: boolean): PreparedRow {
  if (row.failure !== undefined) return { rowNumber: row.rowNumber, cells: row.cells, values: null, failure: row.failure };
  const v = validateRow(row.cells as never[], mapping, { excelSerialDates });
  return v.ok
    ? { rowNumber: row.rowNumber, cells: row.cells, values: v.values, failure: null }
    : { rowNumber: row.rowNumber, cells: row.cells, values: null, failure: v.failure };
}

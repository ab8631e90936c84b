import type { ImportRow } from '../public/dependencies/import-processor.dependency';
import type { ImportFormat } from '../public/enums/import-format';
import type { ColumnMapping } from './header-validation';
import { RawCell, validateRow, ValidationOptions } from './row-validator';

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
  /**
   * The cells the reader failed, when the rest of the row is still to be validated (an XLSX
   * row with Excel error values): `failure` is then theirs alone, and the row's failure names
   * them and its other problems, in column order.
   */
  failedCells?: ReadonlyArray<{ index: number; problem: string }>;
}

/** How cells of a file of this format are read: XLSX numbers in date columns are Excel serial dates, a JSONL `""` is a value. */
export function validationOptionsFor(format: ImportFormat): ValidationOptions {
  return { excelSerialDates: format === 'xlsx', emptyStringIsValue: format === 'jsonl' };
}

/** Validates a row against the header's column mapping, with its file format's options (validationOptionsFor). */
export function prepareRow(row: ReadRow, mapping: ColumnMapping, options: ValidationOptions): PreparedRow {
  if (row.failure !== undefined) {
    // Cells the reader failed (Excel error values): the row's other cells are validated too, and
    // its failure names every problem, in column order.
    const v = row.failedCells?.length ? validateRow(row.cells as RawCell[], mapping, options, new Map(row.failedCells.map((c) => [c.index, c.problem]))) : null;
    const failure = v && !v.ok ? v.failure : row.failure;
    return { rowNumber: row.rowNumber, cells: row.cells, values: null, failure, final: true };
  }
  const v = validateRow(row.cells as never[], mapping, options);
  return v.ok
    ? { rowNumber: row.rowNumber, cells: row.cells, values: v.values, failure: null }
    : { rowNumber: row.rowNumber, cells: row.cells, values: null, failure: v.failure };
}

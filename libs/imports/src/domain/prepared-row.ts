import type { ImportRow } from '../public/dependencies/import-processor.dependency';
import type { ImportFormat } from '../public/enums/import-format';
import type { ColumnMapping } from './header-validation';
import { RawCell, validateCell, validateRow, ValidationOptions } from './row-validator';

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
    const failure = row.failedCells?.length ? everyProblem(row.cells, row.failedCells, mapping, options) : row.failure;
    return { rowNumber: row.rowNumber, cells: row.cells, values: null, failure, final: true };
  }
  const v = validateRow(row.cells as never[], mapping, options);
  return v.ok
    ? { rowNumber: row.rowNumber, cells: row.cells, values: v.values, failure: null }
    : { rowNumber: row.rowNumber, cells: row.cells, values: null, failure: v.failure };
}

/**
 * A row with cells the reader failed: their problems and those validateRow finds in its other
 * cells, in column order and the same `column "x": ... (rule: ...)` form, joined by `; `. A row
 * whose field count is not the header's gets that problem after the failed cells' (its cells
 * cannot be matched to columns).
 */
function everyProblem(cells: unknown[], failedCells: NonNullable<ReadRow['failedCells']>, mapping: ColumnMapping, options: ValidationOptions): string {
  const failed = new Map(failedCells.map((c) => [c.index, c.problem]));
  const problems: string[] = [];
  if (cells.length !== mapping.header.length) {
    problems.push(...failed.values());
    const v = validateRow(cells as RawCell[], mapping, options);
    if (!v.ok) problems.push(v.failure);
    return problems.join('; ');
  }
  for (let i = 0; i < cells.length; i++) {
    const problem = failed.get(i);
    if (problem !== undefined) {
      problems.push(problem);
      continue;
    }
    const column = mapping.columns[i];
    if (!column || column.type === 'ignored') continue;
    const raw = cells[i] as RawCell;
    if (raw === undefined && !column.required) continue;
    const result = validateCell(raw, column, options);
    if (typeof result === 'object' && result !== null && 'problem' in result) problems.push(result.problem);
  }
  return problems.join('; ');
}

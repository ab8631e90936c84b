import type { ImportFormat } from '../public/enums/import-format';
import type { ColumnMapping } from './header-validation';
import { validationOptionsFor } from './prepared-row';
import { validateCell } from './row-validator';

/**
 * The failed-rows CSV is the file a person corrects and uploads again, as CSV. Its cells are the
 * row's stored cells (what the reader read), with one exception: XLSX has no date cells, only
 * numbers that a date column reads as Excel serial dates (45444.5625 is 2024-06-01 13:30), and a
 * CSV date column takes ISO dates only. So an XLSX batch's date cell is written as the ISO date
 * the XLSX reader made of it: the value the row imports with. The stored cells stay as the
 * reader read them (retry-failed-rows validates them again with the XLSX rules); a cell that is
 * no valid date is written as it was (the row's failure names it).
 *
 * Null when the format's cells need nothing (CSV, JSONL) or no column is a date.
 */
export function failedRowCsvCells(format: ImportFormat, mapping: ColumnMapping): ((cells: readonly unknown[]) => unknown[]) | null {
  if (format !== 'xlsx') return null;
  const options = validationOptionsFor(format);
  const dates = mapping.columns.flatMap((column, index) => (column?.type === 'date' ? [{ column, index }] : []));
  if (!dates.length) return null;
  return (cells) => {
    const shown = [...cells];
    for (const { column, index } of dates) {
      const cell = shown[index];
      if (typeof cell !== 'string' && typeof cell !== 'number') continue;
      const value = validateCell(cell, column, options);
      if (typeof value === 'string') shown[index] = value;
    }
    return shown;
  };
}

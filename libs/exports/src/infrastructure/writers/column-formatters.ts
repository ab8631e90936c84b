import { needsNeutralizing } from '../../domain/formula-neutralizer';
import type { ExportColumn } from '../../public/dependencies/export-data-source.dependency';
import { toCell } from './cell-values';

/** How one format writes each kind of cell (values arrive already normalised to their kind). */
export interface CellFormat {
  readonly empty: string;
  text(value: string): string;
  number(value: string): string;
  date(value: string): string;
  datetime(value: string): string;
  boolean(value: boolean): string;
}

export type ValueFormatter = (value: unknown) => string;

const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Per-column formatting compiled once per file: the hot loop calls one function per value and,
 * for what sources usually produce (strings, decimal strings, 'YYYY-MM-DD', booleans, 't'/'f'
 * from COPY), allocates nothing but the output text. Anything else goes through `toCell`, the
 * single definition of what a value means for its column type. Text is neutralised here, once,
 * for every format.
 */
export function compileFormatters(columns: readonly ExportColumn[], neutralize: boolean, format: CellFormat): ValueFormatter[] {
  const text = (v: string) => format.text(neutralize && needsNeutralizing(v) ? `'${v}` : v);
  return columns.map((column): ValueFormatter => {
    const slow = (v: unknown): string => {
      const cell = toCell(v, column.type);
      switch (cell.kind) {
        case 'null':
          return format.empty;
        case 'text':
          return text(cell.value);
        case 'number':
          return format.number(cell.value);
        case 'date':
          return format.date(cell.value);
        case 'datetime':
          return format.datetime(cell.value);
        case 'boolean':
          return format.boolean(cell.value);
      }
    };
    switch (column.type) {
      case 'string':
        return (v) => (typeof v === 'string' ? text(v) : slow(v));
      case 'number':
        return (v) => (typeof v === 'string' && DECIMAL.test(v) ? format.number(v) : slow(v));
      case 'date':
        return (v) => (typeof v === 'string' && v.length === 10 && DAY.test(v) ? format.date(v) : slow(v));
      case 'boolean': {
        const yes = format.boolean(true);
        const no = format.boolean(false);
        return (v) => (v === true || v === 't' ? yes : v === false || v === 'f' ? no : slow(v));
      }
      default:
        return slow;
    }
  });
}

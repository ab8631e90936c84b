import type { ExportColumn, ExportColumnType, ExportRow } from '../../public/dependencies/export-data-source.dependency';

/**
 * A value normalised for its column type. Every writer formats from here, so CSV, XLSX and JSONL
 * agree on what a value is: `text` (neutralised when asked), `number` (exact decimal text),
 * `date` (YYYY-MM-DD), `datetime` (ISO-8601 UTC), `boolean`, or `null` (empty cell).
 */
export type Cell =
  | { kind: 'null' }
  | { kind: 'text'; value: string }
  | { kind: 'number'; value: string }
  | { kind: 'date'; value: string }
  | { kind: 'datetime'; value: string }
  | { kind: 'boolean'; value: boolean };

export const NULL_CELL: Cell = { kind: 'null' };

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

/** A row as values in column order (rows may be arrays already, or records keyed by column key). */
export function rowValues(row: ExportRow, columns: readonly ExportColumn[]): readonly unknown[] {
  if (Array.isArray(row)) return row;
  const record = row as Readonly<Record<string, unknown>>;
  const out = new Array<unknown>(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = record[columns[i].key];
  return out;
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Normalises a raw value for its column type; values that do not fit their type become text. */
export function toCell(value: unknown, type: ExportColumnType): Cell {
  if (value === null || value === undefined) return NULL_CELL;
  switch (type) {
    case 'number': {
      if (typeof value === 'number') return Number.isFinite(value) ? { kind: 'number', value: String(value) } : NULL_CELL;
      if (typeof value === 'bigint') return { kind: 'number', value: value.toString() };
      if (typeof value === 'string') {
        const trimmed = value.trim();
        if (JSON_NUMBER.test(trimmed)) return { kind: 'number', value: trimmed };
        const n = Number(trimmed);
        if (trimmed !== '' && Number.isFinite(n)) return { kind: 'number', value: String(n) };
      }
      return { kind: 'text', value: asText(value) };
    }
    case 'date': {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? NULL_CELL : { kind: 'date', value: value.toISOString().slice(0, 10) };
      if (typeof value === 'string') {
        const m = ISO_DATE.exec(value);
        if (m) return { kind: 'date', value: `${m[1]}-${m[2]}-${m[3]}` };
      }
      return { kind: 'text', value: asText(value) };
    }
    case 'datetime': {
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? NULL_CELL : { kind: 'datetime', value: value.toISOString() };
      if (typeof value === 'string') {
        const t = Date.parse(value);
        if (!Number.isNaN(t)) return { kind: 'datetime', value: new Date(t).toISOString() };
      }
      return { kind: 'text', value: asText(value) };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { kind: 'boolean', value };
      if (value === 't' || value === 'true' || value === 1) return { kind: 'boolean', value: true };
      if (value === 'f' || value === 'false' || value === 0) return { kind: 'boolean', value: false };
      return { kind: 'text', value: asText(value) };
    }
    default:
      return { kind: 'text', value: asText(value) };
  }
}

/**
 * The first day Excel's serial numbers give right: before it, its 1900 date system counts a
 * 1900-02-29 that never was (serial 60), and before 1900-01-01 it has no serials at all. Earlier
 * days and times are written as their ISO text, which every reader shows as it is and an import
 * reads back as the same day.
 */
export const FIRST_EXCEL_DAY = '1900-03-01';
export const FIRST_EXCEL_SERIAL = 61;

/** Days since 1899-12-30 (Excel's 1900 date system, leap-year bug included for dates after 1900-03-01). */
export function excelSerial(isoDateOrDateTime: string): number {
  return Date.parse(isoDateOrDateTime.length === 10 ? `${isoDateOrDateTime}T00:00:00Z` : isoDateOrDateTime) / 86_400_000 + 25_569;
}

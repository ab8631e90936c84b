import type { ImportColumn, ImportRowValue } from '../public/dependencies/import-processor.dependency';
import type { ColumnMapping } from './header-validation';

export type RawCell = string | number | boolean | null | undefined | object;

export type RowValidation = { ok: true; values: Record<string, ImportRowValue> } | { ok: false; failure: string };

export interface ValidationOptions {
  /** XLSX: a number in a date column is an Excel serial date (1900 system). */
  excelSerialDates?: boolean;
  /**
   * JSONL: `""` is a value of its own, distinct from `null`, so an optional text column keeps it
   * (an export writes `"notes":""` for an empty text and `"notes":null` for none). In CSV and
   * XLSX an empty cell cannot tell the two apart and means no value.
   */
  emptyStringIsValue?: boolean;
}

const EMAIL = /^[^\s@"<>,;]+@[^\s@"<>,;]+\.[^\s@"<>,;]+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T00:00:00(?:\.0+)?Z)?$/;
const DECIMAL = /^([+-]?)(\d+)(?:\.(\d+))?$/;
const INTEGER = /^[+-]?\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Validates one row's cells (by file position) against the column mapping and returns the
 * normalised values, or ONE failure text naming every bad column with its value and the rule
 * it breaks, e.g. `column "salary": value "12,5" is not a decimal (rule: decimal(14,2))`.
 * `failed`: cells the reader already failed (an XLSX cell holding an Excel error value), by
 * position, with their problems: named in their place among the others, in column order (before
 * a wrong field count, when the row has one).
 */
export function validateRow(cells: readonly RawCell[], mapping: ColumnMapping, options: ValidationOptions = {}, failed?: ReadonlyMap<number, string>): RowValidation {
  if (cells.length !== mapping.header.length) {
    const count = `the row has ${cells.length} field${cells.length === 1 ? '' : 's'} but the header has ${mapping.header.length} (rule: same number of fields as the header)`;
    return { ok: false, failure: failed?.size ? [...failed.values(), count].join('; ') : count };
  }
  const values: Record<string, ImportRowValue> = {};
  let problems: string[] | null = null;
  for (let i = 0; i < mapping.columns.length; i++) {
    const problem = failed?.get(i);
    if (problem !== undefined) {
      (problems ??= []).push(problem);
      continue;
    }
    const column = mapping.columns[i];
    if (!column || column.type === 'ignored') continue;
    const raw = cells[i];
    // Only a JSONL line leaves a cell undefined: the column is absent from that line. An optional
    // one stays out of the values (the host leaves it as it is); a required one fails below.
    if (raw === undefined && !column.required) continue;
    const result = validateCell(raw, column, options);
    if (typeof result === 'object' && result !== null && 'problem' in result) (problems ??= []).push(result.problem);
    else values[column.name] = result as ImportRowValue;
  }
  return problems ? { ok: false, failure: problems.join('; ') } : { ok: true, values };
}

type CellResult = ImportRowValue | { problem: string };

export function validateCell(raw: RawCell, column: ImportColumn, options: ValidationOptions = {}): CellResult {
  if (raw === '' && options.emptyStringIsValue && column.type === 'string' && !column.required) return '';
  if (raw === null || raw === undefined || raw === '') {
    return column.required ? { problem: `column "${column.name}": a value is required (rule: required)` } : null;
  }
  // Fast paths for text already in canonical form (what exports and most files hold): they
  // return exactly what the general code below would, and anything else falls through to it.
  if (typeof raw === 'string') {
    switch (column.type) {
      case 'boolean':
        if (raw === 'true') return true;
        if (raw === 'false') return false;
        break;
      case 'date':
        if (isCanonicalDate(raw)) return raw;
        break;
      case 'decimal':
        if (isCanonicalDecimal(raw, column.precision ?? 38, column.scale ?? 0)) return raw;
        break;
      case 'string':
        if (raw.indexOf('\u0000') === -1 && isWellFormed(raw) && (column.maxLength === undefined || raw.length <= column.maxLength) && (!column.pattern || column.pattern.test(raw))) {
          return raw;
        }
        break;
      case 'email':
        if (raw.indexOf('\u0000') === -1 && isWellFormed(raw) && (column.maxLength === undefined || raw.length <= column.maxLength)) {
          const e = raw.trim().toLowerCase();
          if (e.length <= 254 && EMAIL.test(e)) return e;
        }
        break;
    }
  }
  return validateCellGeneral(raw, column, options);
}

/** Every rule for every kind of value; `validateCell`'s fast paths must agree with it (tested). */
export function validateCellGeneral(raw: RawCell, column: ImportColumn, options: ValidationOptions): CellResult {
  const bad = (rule: string, what?: string): { problem: string } => ({
    problem: `column "${column.name}": value ${show(raw)} ${what ?? 'is invalid'} (rule: ${rule})`,
  });
  // JSON.parse reads a number past ±1.8e308 (`1e400`) as ±Infinity and keeps no trace of its text
  // (Node 20's reviver has no source), so the message cannot quote it; `show` would print "null".
  const overflow = (rule: string): { problem: string } => ({
    problem: `column "${column.name}": the number is too large to be a finite number, beyond ±1.8e308 (rule: ${rule})`,
  });
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'object') return bad('scalar', 'is a nested object or array, not a single value');
  switch (column.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (s === 'true') return true;
      if (s === 'false') return false;
      return bad('boolean', 'is not true or false');
    }
    case 'integer': {
      if (typeof raw === 'number') {
        if (raw === Infinity || raw === -Infinity) return overflow('integer');
        if (!Number.isSafeInteger(raw)) return bad('integer', 'is not an integer between -(2^53-1) and 2^53-1');
        return raw;
      }
      const s = String(raw).trim();
      if (!INTEGER.test(s)) return bad('integer', 'is not an integer');
      const n = Number(s);
      if (!Number.isSafeInteger(n)) return bad('integer', 'is beyond 2^53 and cannot be kept exact');
      return n;
    }
    case 'decimal': {
      let s: string;
      if (typeof raw === 'number') {
        if (raw === Infinity || raw === -Infinity) return overflow(decimalRule(column));
        if (!Number.isFinite(raw)) return bad(decimalRule(column), 'is not a finite number');
        if (Number.isInteger(raw) && !Number.isSafeInteger(raw)) return bad(decimalRule(column), 'is an integer beyond 2^53 and cannot be kept exact; quote it as a string');
        s = numberToPlain(raw);
      } else if (typeof raw === 'boolean') return bad(decimalRule(column), 'is not a decimal number');
      else s = raw.trim();
      const m = DECIMAL.exec(s);
      if (!m) return bad(decimalRule(column), 'is not a decimal number (digits, an optional "." and fraction; no thousands separators)');
      const intDigits = m[2].replace(/^0+(?=\d)/, '');
      const frac = m[3] ?? '';
      const scale = column.scale ?? 0;
      const precision = column.precision ?? 38;
      if (frac.length > scale) return bad(decimalRule(column), `has more than ${scale} digit${scale === 1 ? '' : 's'} after the decimal point`);
      if (intDigits.length > precision - scale) return bad(decimalRule(column), `has more than ${precision - scale} digits before the decimal point`);
      return `${m[1] === '-' ? '-' : ''}${intDigits}${frac ? `.${frac}` : ''}`;
    }
    case 'date': {
      if (typeof raw === 'number' || (options.excelSerialDates && /^\d+(\.\d+)?$/.test(String(raw).trim()))) {
        if (!options.excelSerialDates) return bad('date YYYY-MM-DD', 'is not an ISO date (YYYY-MM-DD)');
        const serial = Number(raw);
        const date = excelSerialToIso(serial);
        return date ?? bad('date YYYY-MM-DD', 'is not a valid Excel date');
      }
      const s = String(raw).trim();
      const m = DATE.exec(s);
      if (!m) return bad('date YYYY-MM-DD', 'is not an ISO date (YYYY-MM-DD)');
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear takes the year as given (0001-0099 are dates).
      const check = new Date(0);
      check.setUTCFullYear(y, mo - 1, d);
      if (y < 1 || check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
        return bad('date YYYY-MM-DD', 'is not a calendar date');
      }
      return `${m[1]}-${m[2]}-${m[3]}`;
    }
    default: {
      // A JSONL number in a text column is kept as its digits; one JSON could not hold is not text.
      if (typeof raw === 'number' && !Number.isFinite(raw)) return overflow('text');
      const s = typeof raw === 'string' ? raw : typeof raw === 'number' ? numberToPlain(raw) : String(raw);
      if (s.includes('\u0000')) return bad('no NUL characters', 'contains a NUL character, which cannot be stored');
      // A lone surrogate (from a JSONL or XLSX escape) has no UTF-8 form: Postgres would store U+FFFD.
      if (!isWellFormed(s)) {
        const lone = loneSurrogate(s);
        return bad('valid Unicode', `is not valid Unicode: a lone surrogate (U+${lone.code.toString(16).toUpperCase()}) at character ${lone.at}, which cannot be stored`);
      }
      if (column.maxLength !== undefined && s.length > column.maxLength) {
        return { problem: `column "${column.name}": value ${show(s)} is longer than ${column.maxLength} characters (rule: maxLength ${column.maxLength})` };
      }
      if (column.type === 'email') {
        const e = s.trim().toLowerCase();
        if (e.length > 254 || !EMAIL.test(e)) return bad('email', 'is not an email address');
        return e;
      }
      if (column.type === 'uuid') {
        if (!UUID.test(s.trim())) return bad('uuid', 'is not a UUID');
        return s.trim().toLowerCase();
      }
      if (column.pattern && !column.pattern.test(s)) return bad(column.patternHint ?? `pattern ${column.pattern.source}`, 'does not have the expected form');
      return s;
    }
  }
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `YYYY-MM-DD`, a real calendar day (proleptic Gregorian), year 0001 to 9999: Postgres has no year 0. */
function isCanonicalDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d) return false;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return false;
    y = y * 10 + d;
  }
  const m1 = s.charCodeAt(5) - 0x30;
  const m2 = s.charCodeAt(6) - 0x30;
  const d1 = s.charCodeAt(8) - 0x30;
  const d2 = s.charCodeAt(9) - 0x30;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const month = m1 * 10 + m2;
  const day = d1 * 10 + d2;
  if (y < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month]);
}

/** Unsigned digits with an optional fraction, no superfluous leading zero, within precision and scale. */
function isCanonicalDecimal(s: string, precision: number, scale: number): boolean {
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  const intDigits = i;
  if (intDigits === 0 || (intDigits > 1 && s.charCodeAt(0) === 0x30) || intDigits > precision - scale) return false;
  if (i === n) return true;
  if (s.charCodeAt(i) !== 0x2e) return false;
  const fracStart = ++i;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
    i++;
  }
  const fracDigits = n - fracStart;
  return fracDigits > 0 && fracDigits <= scale;
}

/**
 * `String.prototype.isWellFormed` (Node 20; the es2023 lib compiled against does not declare it):
 * false when the text holds a lone surrogate. Immediate for one-byte strings, which hold none.
 */
function isWellFormed(s: string): boolean {
  return (s as string & { isWellFormed(): boolean }).isWellFormed();
}

/** The first lone surrogate of a text that is not well formed: its code and 1-based position in characters (a pair is one). */
function loneSurrogate(s: string): { code: number; at: number } {
  let at = 0;
  for (let i = 0; i < s.length; i++) {
    at++;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return { code: c, at };
    } else if (c >= 0xdc00 && c <= 0xdfff) return { code: c, at };
  }
  return { code: 0xfffd, at };
}

function decimalRule(column: ImportColumn): string {
  return `decimal(${column.precision ?? 38},${column.scale ?? 0})`;
}

/**
 * A JS number as plain decimal text (no exponent), exact for what JSON could carry: the digits
 * of its shortest form with the point moved. (toFixed(20) rounded anything below 5e-21 to "0",
 * so 1e-21 passed a decimal(14,2) column as 0.00 while 1e-7 was refused.)
 */
function numberToPlain(n: number): string {
  const s = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/i.exec(s);
  if (!m) return s;
  const [, sign, whole, fraction = '', exponent] = m;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/**
 * Excel 1900 date system: serial 1 = 1900-01-01. Serial 60 is Excel's fictitious 1900-02-29, no
 * calendar date: it is refused, where it used to become 1900-03-01 (serial 61's date) silently.
 */
function excelSerialToIso(serial: number): string | null {
  if (!Number.isFinite(serial) || serial < 1 || serial > 2958465) return null;
  const days = Math.floor(serial);
  if (days === 60) return null;
  const epoch = Date.UTC(1899, 11, 30);
  const ms = epoch + (days < 61 ? days + 1 : days) * 86_400_000;
  return new Date(ms).toISOString().slice(0, 10);
}

function show(raw: RawCell): string {
  // A number as JS writes it: JSON.stringify gives the same for a finite one but "null" for NaN and ±Infinity.
  const s = typeof raw === 'string' ? raw : typeof raw === 'number' ? String(raw) : JSON.stringify(raw) ?? String(raw);
  const cut = s.length > 60 ? `${s.slice(0, 57)}...` : s;
  return JSON.stringify(cut);
}

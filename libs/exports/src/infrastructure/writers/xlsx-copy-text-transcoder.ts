import { unescapeCopyText } from '@porter/platform';
import type { ExportColumn } from '../../public/dependencies/export-data-source.dependency';
import type { ValueFormatter } from './column-formatters';
import { BACKSLASH, BOOLEAN, CopyTextRows, DATE, FORMULA_START, isDay, isDecimal, isNull, KIND, LF, NUMBER, OTHER, TAB, TEXT } from './copy-text-transcoder';
import { FIRST_EXCEL_SERIAL } from './cell-values';

/** The pieces of cell XML the sheet writer uses, so that both of its paths write the same bytes. */
export interface XlsxCellParts {
  /** Per column, what opens its cell up to the row number: `<c r="B`. */
  readonly cellStarts: readonly string[];
  /** Around inline text: `" t="inlineStr"><is><t>` … `</t></is></c>`. */
  readonly textOpen: string;
  readonly textClose: string;
  /** Around a number: `"><v>` … `</v></c>`. */
  readonly numberOpen: string;
  /** Around a day's serial: `" s="2"><v>` … `</v></c>`. */
  readonly dateOpen: string;
  readonly valueClose: string;
  /** Whole boolean cells after the row number. */
  readonly yes: string;
  readonly no: string;
}

/** Excel's limit of characters per cell; a field of at most this many bytes has at most this many characters. */
const MAX_CELL_BYTES = 32_767;

/**
 * Bytes after which a text field is not copied as it is: XML's `&` `<` `>`, a COPY escape, the
 * control characters (XML forbids most, written as `_xHHHH_`; tab, CR and LF only ever arrive
 * escaped), and 0xEF, the lead byte of U+FEFF (a JS whitespace), U+FFFE and U+FFFF (forbidden in
 * XML). `_` is marked apart (UNDERSCORE): a field is only sent to the formatter for it when the
 * `_` begins `_x` + four hex digits, which the formatter escapes (ST_Xstring, see xmlText).
 */
const XLSX_SPECIAL = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) XLSX_SPECIAL[b] = 1;
for (const b of [0x26, 0x3c, 0x3e, BACKSLASH, 0xef]) XLSX_SPECIAL[b] = 1;
const UNDERSCORE = 2;
XLSX_SPECIAL[0x5f] = UNDERSCORE;

const HEX = new Uint8Array(256);
for (const c of '0123456789ABCDEFabcdef') HEX[c.charCodeAt(0)] = 1;

/** Whether data[from, to) holds `_x` + four hex digits: text a reader would decode (or the start of it). */
function hasXstringEscape(d: Buffer, from: number, to: number): boolean {
  for (let i = from; i + 5 < to; i++) {
    if (d[i] === 0x5f && d[i + 1] === 0x78 && HEX[d[i + 2]] & HEX[d[i + 3]] & HEX[d[i + 4]] & HEX[d[i + 5]]) return true;
  }
  return false;
}

/**
 * Lead bytes of the characters JavaScript's `\s` matches besides the escaped controls: space, and
 * the UTF-8 lead bytes of U+00A0, U+1680, U+2000–U+205F and U+3000. Text that starts or ends with
 * one goes through the formatter, which writes `xml:space="preserve"` where it is due.
 */
const EDGE_LEAD = new Uint8Array(256);
for (const b of [0x20, 0xc2, 0xe1, 0xe2, 0xe3]) EDGE_LEAD[b] = 1;

function edgeSpace(d: Buffer, from: number, to: number): boolean {
  if (to === from) return false;
  if (EDGE_LEAD[d[from]]) return true;
  let last = to - 1;
  // Back over continuation bytes to the last character's lead byte (at most three).
  while (last > from && to - last < 4 && (d[last] & 0xc0) === 0x80) last--;
  return EDGE_LEAD[d[last]] === 1;
}

const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The spreadsheet serial of a valid YYYY-MM-DD at data[from, from + 10), as `excelSerial` computes
 * it (days since 1899-12-30 in the proleptic Gregorian calendar); null for an impossible day.
 */
function daySerial(d: Buffer, from: number): number | null {
  const digit = (i: number) => d[from + i] - 0x30;
  const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const month = digit(5) * 10 + digit(6);
  const day = digit(8) * 10 + digit(9);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month] || (month === 2 && day === 29 && !leap)) return null;
  // Days from 1970-01-01 (H. Hinnant's days_from_civil), then Excel's offset of 25,569 days.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468 + 25_569;
}

/** Writes the decimal digits of the integer `value` at `pos`; returns the position after them. */
function writeInt(out: Buffer, pos: number, value: number): number {
  if (value < 0) {
    out[pos++] = 0x2d;
    value = -value;
  }
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  for (let i = pos + digits - 1; i >= pos; i--) {
    out[i] = 0x30 + (value % 10);
    value = Math.floor(value / 10);
  }
  return pos + digits;
}

/** Copies data[from, to) to `out` at `pos`; returns the position after it. */
const copyField = (data: Buffer, from: number, to: number, out: Buffer, pos: number) => pos + data.copy(out, pos, from, to);

const ROW_OPEN = Buffer.from('<row r="');
const ROW_OPEN_END = Buffer.from('">');
const ROW_CLOSE = Buffer.from('</row>');

/**
 * Sheet XML rows straight from the bytes of PostgreSQL's COPY text format, as the CSV and JSON
 * Lines transcoders do (ADR 074, ADR 076): plain text, decimals, YYYY-MM-DD days (as serials) and
 * t/f become cells byte by byte, NULL is an absent cell, and every other value goes through the
 * column's own formatter, the one `XlsxExportWriter.writeRows` uses, so both paths write the same
 * sheet (a property test holds them to it). No string or object is made per row, which matters
 * twice here: for speed, and because rows kept alive across a scavenge are what made XLSX exports
 * slow with a small young generation.
 *
 * A sheet holds a bounded number of rows: `push` stops at the limit and hands back the rest of
 * the input, to be pushed again once the writer has started the next sheet.
 */
export class XlsxCopyTextTranscoder extends CopyTextRows {
  private readonly kinds: Uint8Array;
  private readonly cellStarts: Buffer[];
  private readonly textOpen: Buffer;
  private readonly textClose: Buffer;
  private readonly numberOpen: Buffer;
  private readonly dateOpen: Buffer;
  private readonly valueClose: Buffer;
  private readonly yes: Buffer;
  private readonly no: Buffer;
  /** Worst case bytes a row's markup adds to its input (row tags, every cell's start, number and tags). */
  private readonly slack: number;
  /** Data rows in the current sheet before the row being written (its header is row 1); set by each `pushRows`. */
  private sheetRows = 0;
  /** The row number's digits, written once per row and copied into each cell's reference. */
  private readonly rowDigits = Buffer.alloc(16);
  private rowDigitCount = 0;

  constructor(
    private readonly formatters: readonly ValueFormatter[],
    columns: readonly ExportColumn[],
    private readonly neutralize: boolean,
    parts: XlsxCellParts,
  ) {
    super(columns.length);
    this.kinds = Uint8Array.from(columns.map((c) => KIND[c.type] ?? OTHER));
    this.cellStarts = parts.cellStarts.map((s) => Buffer.from(s));
    this.textOpen = Buffer.from(parts.textOpen);
    this.textClose = Buffer.from(parts.textClose);
    this.numberOpen = Buffer.from(parts.numberOpen);
    this.dateOpen = Buffer.from(parts.dateOpen);
    this.valueClose = Buffer.from(parts.valueClose);
    this.yes = Buffer.from(parts.yes);
    this.no = Buffer.from(parts.no);
    const widest = Math.max(this.textOpen.length + this.textClose.length, this.dateOpen.length + this.valueClose.length + 12, this.yes.length, this.no.length);
    const starts = this.cellStarts.reduce((sum, s) => sum + s.length, 0);
    this.slack = ROW_OPEN.length + ROW_OPEN_END.length + ROW_CLOSE.length + 16 + starts + columns.length * (16 + widest);
  }

  /**
   * `push` for a sheet that already holds `sheetRows` data rows and may hold `maxRows`: the rows
   * are numbered from the writer's own count, so the two cannot drift apart.
   */
  pushRows(chunk: Buffer, sheetRows: number, maxRows: number): ReturnType<CopyTextRows['push']> {
    this.sheetRows = sheetRows;
    return this.push(chunk, maxRows - sheetRows);
  }

  /** `data` holds whole rows (it ends with LF); writes at most `room` of them (the sheet's room). */
  protected transcode(data: Buffer, room: number): { rows: number; at: number } {
    const { kinds, cellStarts, slack } = this;
    const n = kinds.length;
    let rows = 0;
    let p = 0;
    while (p < data.length && rows < room) {
      const lineEnd = data.indexOf(LF, p);
      this.reserve(lineEnd - p + slack);
      // The header is row 1: the sheet's first data row is row 2.
      this.setRowNumber(++this.sheetRows + 1);
      let out = this.out;
      let pos = this.copy(ROW_OPEN, out, this.pos);
      pos = this.copy(ROW_OPEN_END, out, this.copyDigits(out, pos));
      for (let col = 0; ; col++) {
        if (col >= n) this.badRow(col + 1);
        const kind = kinds[col];
        const from = p;
        let marked = 0;
        let b = data[p];
        while (b !== TAB && b !== LF) {
          marked |= XLSX_SPECIAL[b];
          b = data[++p];
        }
        // Only `_`s: the field is as plain as any, unless one begins `_x` + four hex digits.
        if (marked === UNDERSCORE && !hasXstringEscape(data, from, p)) marked = 0;
        if (!(marked && isNull(data, from, p))) {
          const cell = this.cellStart(col, out, pos);
          if (!marked && kind === TEXT && p - from <= MAX_CELL_BYTES && !(this.neutralize && FORMULA_START[data[from]]) && !edgeSpace(data, from, p)) {
            pos = this.copy(this.textClose, out, copyField(data, from, p, out, this.copy(this.textOpen, out, cell)));
          } else if (!marked && kind === NUMBER && isDecimal(data, from, p)) {
            pos = this.copy(this.valueClose, out, copyField(data, from, p, out, this.copy(this.numberOpen, out, cell)));
          } else if (!marked && kind === BOOLEAN && p - from === 1 && (data[from] === 0x74 || data[from] === 0x66)) {
            pos = this.copy(data[from] === 0x74 ? this.yes : this.no, out, cell);
          } else {
            const serial = !marked && kind === DATE && isDay(data, from, p) ? daySerial(data, from) : null;
            // Days before Excel's serials are right: the formatter's (ISO text).
            if (serial !== null && serial >= FIRST_EXCEL_SERIAL) {
              pos = this.copy(this.valueClose, out, writeInt(out, this.copy(this.dateOpen, out, cell), serial));
            } else {
              // An escape, markup, a control character, `_x` + hex digits, a formula, an edge space, an unusual value: the formatter's.
              pos = this.formatted(data, from, p, col, pos, lineEnd - p + slack);
              out = this.out;
            }
          }
        }
        if (b === LF) {
          if (col !== n - 1) this.badRow(col + 1);
          break;
        }
        p++;
      }
      this.pos = this.copy(ROW_CLOSE, out, pos);
      p = lineEnd + 1;
      rows++;
    }
    return { rows, at: p };
  }

  private setRowNumber(row: number): void {
    this.rowDigitCount = writeInt(this.rowDigits, 0, row);
  }

  private copyDigits(out: Buffer, pos: number): number {
    const digits = this.rowDigits;
    for (let i = 0; i < this.rowDigitCount; i++) out[pos++] = digits[i];
    return pos;
  }

  /** `<c r="B7` for column `col` of the current row, at `pos`. */
  private cellStart(col: number, out: Buffer, pos: number): number {
    return this.copyDigits(out, this.copy(this.cellStarts[col], out, pos));
  }

  private copy(bytes: Buffer, out: Buffer, pos: number): number {
    for (let i = 0; i < bytes.length; i++) out[pos++] = bytes[i];
    return pos;
  }

  /**
   * The field data[from, to) of column `col` through its formatter, as a whole cell at `start`
   * (nothing when the formatter writes an empty cell), with room for `more` bytes after it.
   * `out` may change: the caller reads `this.out` and the returned position again.
   */
  private formatted(data: Buffer, from: number, to: number, col: number, start: number, more: number): number {
    const fragment = this.formatters[col](unescapeCopyText(data.toString('utf8', from, to)));
    if (!fragment) return start;
    // A row may run on into the next buffer: the buffers are written one after the other.
    this.pos = start;
    this.reserve(fragment.length * 3 + this.cellStarts[col].length + this.rowDigitCount + more);
    const pos = this.cellStart(col, this.out, this.pos);
    return (this.pos = pos + this.out.write(fragment, pos));
  }
}

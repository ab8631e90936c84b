import { isUtf8 } from 'buffer';
import { unescapeCopyText } from '@porter/platform';
import type { ExportColumn } from '../../public/dependencies/export-data-source.dependency';
import type { ValueFormatter } from './column-formatters';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const N = 0x4e;

/** Column kinds the byte path writes itself; every other value goes through the column's formatter. */
const TEXT = 0;
const NUMBER = 1;
const DATE = 2;
const BOOLEAN = 3;
const OTHER = 4;
const KIND: Readonly<Record<ExportColumn['type'], number>> = { string: TEXT, number: NUMBER, date: DATE, boolean: BOOLEAN, datetime: OTHER };

/** First bytes that make a text cell a formula to neutralise (= + - @; tab, CR and LF only ever arrive escaped). */
const FORMULA_START = new Uint8Array(256);
for (const c of '=+-@') FORMULA_START[c.charCodeAt(0)] = 1;

/** Bytes after which a CSV text field is not copied as it is: backslash (an escape), quote, comma. */
const CSV_SPECIAL = new Uint8Array(256);
for (const b of [BACKSLASH, QUOTE, COMMA]) CSV_SPECIAL[b] = 1;
/** The same for a JSON string: backslash, quote and the control characters JSON escapes. */
const JSON_SPECIAL = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) JSON_SPECIAL[b] = 1;
JSON_SPECIAL[BACKSLASH] = JSON_SPECIAL[QUOTE] = 1;

/** Output is built in buffers of this size, and handed to the stream once this much is ready. */
const OUT_BYTES = 1 << 19;
const WRITE_BYTES = 1 << 17;

const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

/** `^-?(0|[1-9]\d*)(\.\d+)?$` on bytes: the decimals the formatters write as they are. */
function isDecimal(d: Buffer, from: number, to: number): boolean {
  let i = from;
  if (i < to && d[i] === 0x2d) i++;
  if (i >= to) return false;
  if (d[i] === 0x30) i++;
  else if (d[i] >= 0x31 && d[i] <= 0x39) while (++i < to && isDigit(d[i]));
  else return false;
  if (i === to) return true;
  if (d[i] !== 0x2e || ++i >= to) return false;
  for (; i < to; i++) if (!isDigit(d[i])) return false;
  return true;
}

/** `^\d{4}-\d{2}-\d{2}$` on bytes. */
function isDay(d: Buffer, from: number, to: number): boolean {
  if (to - from !== 10 || d[from + 4] !== 0x2d || d[from + 7] !== 0x2d) return false;
  for (let i = from; i < to; i++) if (i !== from + 4 && i !== from + 7 && !isDigit(d[i])) return false;
  return true;
}

/**
 * Writes CSV or JSON Lines straight from the bytes of PostgreSQL's COPY text format (ADR 074),
 * with no string per field or per row: the common values (plain text, decimals, YYYY-MM-DD days,
 * t/f, NULL) are copied or mapped byte by byte into output buffers. Anything else — an escape, a
 * quote or comma in CSV text, a formula to neutralise, a value that is not its column's usual
 * shape — is decoded and written by the column's own formatter, the same one `writeRows` uses, so
 * both paths write the same bytes for the same values (a property test holds them to it).
 *
 * Rows cut by a chunk's end wait for the rest; input that is not valid UTF-8 is decoded with
 * replacement characters first, as the row path's decoder does.
 */
export abstract class CopyTextTranscoder {
  protected readonly kinds: Uint8Array;
  protected out = Buffer.allocUnsafe(OUT_BYTES);
  protected pos = 0;
  private readonly done: Buffer[] = [];
  private pending: Buffer[] = [];

  protected constructor(
    protected readonly formatters: readonly ValueFormatter[],
    columns: readonly ExportColumn[],
    protected readonly neutralize: boolean,
  ) {
    if (!columns.length) throw new Error('a COPY text export needs at least one column');
    this.kinds = Uint8Array.from(columns.map((c) => KIND[c.type] ?? OTHER));
  }

  /** Transcodes every complete row that has arrived; returns the buffers to write and the row count. */
  push(chunk: Buffer): { rows: number; output: Buffer[] } {
    let rows = 0;
    let from = 0;
    if (this.pending.length) {
      // The row cut by the last chunk's end: joined with its rest alone, not with the whole chunk.
      const end = chunk.indexOf(LF);
      if (end === -1) {
        this.pending.push(Buffer.from(chunk));
        return { rows: 0, output: [] };
      }
      rows += this.region(Buffer.concat([...this.pending, chunk.subarray(0, end + 1)]));
      this.pending = [];
      from = end + 1;
    }
    const last = chunk.lastIndexOf(LF);
    if (last >= from) rows += this.region(from === 0 && last === chunk.length - 1 ? chunk : chunk.subarray(from, last + 1));
    if (Math.max(last + 1, from) < chunk.length) this.pending.push(Buffer.from(chunk.subarray(Math.max(last + 1, from))));
    return { rows, output: this.pos >= WRITE_BYTES || this.done.length ? this.take() : [] };
  }

  /** What is left to write once the input has ended; fails if the input ended inside a row. */
  end(): Buffer[] {
    if (this.pending.length) throw new Error('the COPY text ended inside a row');
    return this.take();
  }

  private region(data: Buffer): number {
    return this.transcode(isUtf8(data) ? data : Buffer.from(data.toString('utf8')));
  }

  /** `data` holds whole rows (it ends with LF); returns how many. */
  protected abstract transcode(data: Buffer): number;

  /** Room for `bytes` more bytes in `out` (the filled part is set aside to be written). */
  protected reserve(bytes: number): void {
    if (this.pos + bytes <= this.out.length) return;
    if (this.pos) this.done.push(this.out.subarray(0, this.pos));
    this.out = Buffer.allocUnsafe(Math.max(OUT_BYTES, bytes));
    this.pos = 0;
  }

  /**
   * The field data[from, to) of column `col` through its formatter, written at `pos` with room
   * for `more` bytes after it (the rest of the row).
   */
  protected formatted(data: Buffer, from: number, to: number, col: number, more: number): void {
    const raw = data.toString('utf8', from, to);
    const value = raw === '\\N' ? null : unescapeCopyText(raw);
    const text = this.formatters[col](value);
    this.reserve(text.length * 3 + more);
    this.pos += this.out.write(text, this.pos);
  }

  protected badRow(fields: number): never {
    throw new Error(`a COPY text row has ${fields} fields where the export has ${this.kinds.length} columns`);
  }

  private take(): Buffer[] {
    const output = this.done.splice(0);
    if (this.pos) {
      output.push(this.out.subarray(0, this.pos));
      // The rest of the buffer is still free: the next rows go there, after what is handed out.
      this.out = this.out.length - this.pos >= 4096 ? this.out.subarray(this.pos) : Buffer.allocUnsafe(OUT_BYTES);
      this.pos = 0;
    }
    return output;
  }
}

/** RFC 4180 CSV rows (CRLF), as `CsvExportWriter.writeRows` writes them. */
export class CsvCopyTextTranscoder extends CopyTextTranscoder {
  constructor(formatters: readonly ValueFormatter[], columns: readonly ExportColumn[], neutralize: boolean) {
    super(formatters, columns, neutralize);
  }

  protected transcode(data: Buffer): number {
    const kinds = this.kinds;
    const n = kinds.length;
    // Worst case beyond the input per field: `""` for an empty text, `false` for `f`; and CR.
    const slack = 5 * n + 2;
    let rows = 0;
    let p = 0;
    while (p < data.length) {
      const lineEnd = data.indexOf(LF, p);
      this.reserve(lineEnd - p + slack);
      let out = this.out;
      let pos = this.pos;
      for (let col = 0; ; col++) {
        if (col >= n) this.badRow(col + 1);
        if (col) out[pos++] = COMMA;
        const from = p;
        const start = pos;
        let special = 0;
        let b = data[p];
        while (b !== TAB && b !== LF) {
          special |= CSV_SPECIAL[b];
          out[pos++] = b;
          b = data[++p];
        }
        const kind = kinds[col];
        let fast: boolean;
        if (special) {
          // NULL (`\N`) is an empty field; every other escape, quote or comma is the formatter's.
          fast = p - from === 2 && data[from] === BACKSLASH && data[from + 1] === N;
          if (fast) pos = start;
        } else if (kind === TEXT) {
          fast = !(this.neutralize && FORMULA_START[data[from]]);
          if (p === from) {
            out[pos++] = QUOTE;
            out[pos++] = QUOTE;
          }
        } else if (kind === NUMBER) fast = isDecimal(data, from, p);
        else if (kind === DATE) fast = isDay(data, from, p);
        else if (kind === BOOLEAN && p - from === 1 && (data[from] === 0x74 || data[from] === 0x66)) {
          pos = start + (data[from] === 0x74 ? TRUE : FALSE).copy(out, start);
          fast = true;
        } else fast = false;
        if (!fast) {
          this.pos = start;
          this.formatted(data, from, p, col, lineEnd - p + slack);
          out = this.out;
          pos = this.pos;
        }
        if (b === LF) {
          if (col !== n - 1) this.badRow(col + 1);
          break;
        }
        p++;
      }
      out[pos++] = CR;
      out[pos++] = LF;
      this.pos = pos;
      p = lineEnd + 1;
      rows++;
    }
    return rows;
  }
}

/** JSON Lines rows, as `JsonlExportWriter.writeRows` writes them. */
export class JsonlCopyTextTranscoder extends CopyTextTranscoder {
  /** `{"key":` for the first column, `,"key":` for the others. */
  private readonly keys: Buffer[];
  private readonly keyBytes: number;

  constructor(formatters: readonly ValueFormatter[], columns: readonly ExportColumn[], neutralize: boolean) {
    super(formatters, columns, neutralize);
    this.keys = columns.map((c, i) => Buffer.from((i ? ',' : '{') + JSON.stringify(c.key) + ':'));
    this.keyBytes = this.keys.reduce((sum, k) => sum + k.length, 0);
  }

  protected transcode(data: Buffer): number {
    const kinds = this.kinds;
    const keys = this.keys;
    const n = kinds.length;
    // Worst case beyond the input: the keys, and per field two quotes or `null` for `\N` or `false` for `f`; `}` LF.
    const slack = this.keyBytes + 5 * n + 2;
    let rows = 0;
    let p = 0;
    while (p < data.length) {
      const lineEnd = data.indexOf(LF, p);
      this.reserve(lineEnd - p + slack);
      let out = this.out;
      let pos = this.pos;
      for (let col = 0; ; col++) {
        if (col >= n) this.badRow(col + 1);
        const key = keys[col];
        for (let k = 0; k < key.length; k++) out[pos++] = key[k];
        const kind = kinds[col];
        const start = pos;
        // Text and days are JSON strings: the opening quote goes first, the bytes after it.
        const quoted = kind === TEXT || kind === DATE;
        if (quoted) out[pos++] = QUOTE;
        const from = p;
        let special = 0;
        let b = data[p];
        while (b !== TAB && b !== LF) {
          special |= JSON_SPECIAL[b];
          out[pos++] = b;
          b = data[++p];
        }
        let fast: boolean;
        if (special) {
          fast = p - from === 2 && data[from] === BACKSLASH && data[from + 1] === N;
          if (fast) pos = start + NULL.copy(out, start);
        } else if (kind === TEXT) fast = !(this.neutralize && FORMULA_START[data[from]]);
        else if (kind === NUMBER) fast = isDecimal(data, from, p);
        else if (kind === DATE) fast = isDay(data, from, p);
        else if (kind === BOOLEAN && p - from === 1 && (data[from] === 0x74 || data[from] === 0x66)) {
          pos = start + (data[from] === 0x74 ? TRUE : FALSE).copy(out, start);
          fast = true;
        } else fast = false;
        if (fast) {
          if (quoted && !special) out[pos++] = QUOTE;
        } else {
          this.pos = start;
          this.formatted(data, from, p, col, lineEnd - p + slack);
          out = this.out;
          pos = this.pos;
        }
        if (b === LF) {
          if (col !== n - 1) this.badRow(col + 1);
          break;
        }
        p++;
      }
      out[pos++] = 0x7d; // }
      out[pos++] = LF;
      this.pos = pos;
      p = lineEnd + 1;
      rows++;
    }
    return rows;
  }
}

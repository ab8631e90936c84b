import { isUtf8 } from 'buffer';
import { unescapeCopyText } from '@porter/platform';
import type { ExportColumn } from '../../public/dependencies/export-data-source.dependency';
import type { ValueFormatter } from './column-formatters';

export const TAB = 0x09;
export const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
export const BACKSLASH = 0x5c;
const N = 0x4e;

/** Column kinds the byte path writes itself; every other value goes through the column's formatter. */
export const TEXT = 0;
export const NUMBER = 1;
export const DATE = 2;
export const BOOLEAN = 3;
export const OTHER = 4;
export const KIND: Readonly<Record<ExportColumn['type'], number>> = { string: TEXT, number: NUMBER, date: DATE, boolean: BOOLEAN, datetime: OTHER };

/** First bytes that make a text cell a formula to neutralise (= + - @; tab, CR and LF only ever arrive escaped). */
export const FORMULA_START = new Uint8Array(256);
// With `'`: a field starting with one goes through its formatter, which knows whether a formula
// character follows the quotes (needsNeutralizing); rare enough to cost nothing.
for (const c of "=+-@'") FORMULA_START[c.charCodeAt(0)] = 1;

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
export function isDecimal(d: Buffer, from: number, to: number): boolean {
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
export function isDay(d: Buffer, from: number, to: number): boolean {
  if (to - from !== 10 || d[from + 4] !== 0x2d || d[from + 7] !== 0x2d) return false;
  for (let i = from; i < to; i++) if (i !== from + 4 && i !== from + 7 && !isDigit(d[i])) return false;
  return true;
}

/** `\N`: NULL. */
export const isNull = (d: Buffer, from: number, to: number) => to - from === 2 && d[from] === BACKSLASH && d[from + 1] === N;

/** The bytes a boolean column writes for `t` or `f`; null for any other field. */
const booleanBytes = (d: Buffer, from: number, to: number): Buffer | null => (to - from !== 1 ? null : d[from] === 0x74 ? TRUE : d[from] === 0x66 ? FALSE : null);

/**
 * What every COPY text transcoder shares: output built in buffers of OUT_BYTES and handed out once
 * WRITE_BYTES are ready, a row cut by a chunk's end kept until its rest arrives (joined with that
 * rest alone, not with the whole next chunk), input that is not valid UTF-8 decoded with
 * replacement characters first (as the row path's decoder does), and an optional bound on the
 * rows one push may write (an XLSX sheet's room), with the input past it handed back.
 */
export abstract class CopyTextRows {
  protected out = Buffer.allocUnsafe(OUT_BYTES);
  protected pos = 0;
  private readonly done: Buffer[] = [];
  private pending: Buffer[] = [];

  protected constructor(protected readonly columnCount: number) {
    if (!columnCount) throw new Error('a COPY text export needs at least one column');
  }

  /**
   * Transcodes the complete rows that have arrived, at most `room` of them. Returns the rows
   * written, the buffers to write and, when `room` ran out first, the input not yet written (to
   * be pushed again), else null.
   */
  push(chunk: Buffer, room = Infinity): { rows: number; output: Buffer[]; rest: Buffer | null } {
    if (room <= 0) return { rows: 0, output: this.drain(), rest: chunk };
    let rows = 0;
    let from = 0;
    if (this.pending.length) {
      const end = chunk.indexOf(LF);
      if (end === -1) {
        this.pending.push(Buffer.from(chunk));
        return { rows: 0, output: [], rest: null };
      }
      rows += this.region(Buffer.concat([...this.pending, chunk.subarray(0, end + 1)]), room).rows;
      this.pending = [];
      from = end + 1;
    }
    const last = chunk.lastIndexOf(LF);
    if (last >= from) {
      const written = this.region(from === 0 && last === chunk.length - 1 ? chunk : chunk.subarray(from, last + 1), room - rows);
      rows += written.rows;
      if (written.rest) {
        // Out of room: what is left goes back, the cut row at its end included.
        const rest = last + 1 < chunk.length ? Buffer.concat([written.rest, chunk.subarray(last + 1)]) : written.rest;
        return { rows, output: this.drain(), rest };
      }
    }
    if (Math.max(last + 1, from) < chunk.length) this.pending.push(Buffer.from(chunk.subarray(Math.max(last + 1, from))));
    return { rows, output: this.pos >= WRITE_BYTES || this.done.length ? this.drain() : [], rest: null };
  }

  /** What is left to write once the input has ended; fails if the input ended inside a row. */
  end(): Buffer[] {
    if (this.pending.length) throw new Error('the COPY text ended inside a row');
    return this.drain();
  }

  /** `data` holds whole rows (it ends with LF); writes at most `room` of them, from `at` on is not written. */
  protected abstract transcode(data: Buffer, room: number): { rows: number; at: number };

  private region(data: Buffer, room: number): { rows: number; rest: Buffer | null } {
    const text = isUtf8(data) ? data : Buffer.from(data.toString('utf8'));
    const written = this.transcode(text, room);
    return { rows: written.rows, rest: written.at < text.length ? text.subarray(written.at) : null };
  }

  /** Room for `bytes` more bytes in `out` (the filled part is set aside to be written). */
  protected reserve(bytes: number): void {
    if (this.pos + bytes <= this.out.length) return;
    if (this.pos) this.done.push(this.out.subarray(0, this.pos));
    this.out = Buffer.allocUnsafe(Math.max(OUT_BYTES, bytes));
    this.pos = 0;
  }

  protected badRow(fields: number): never {
    throw new Error(`a COPY text row has ${fields} fields where the export has ${this.columnCount} columns`);
  }

  /** The rows transcoded so far and not yet handed out. */
  drain(): Buffer[] {
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
export abstract class CopyTextTranscoder extends CopyTextRows {
  private readonly kinds: Uint8Array;
  /** Columns whose values are JSON strings (text and days in JSON Lines): quoted around the bytes. */
  private readonly quoted: Uint8Array;
  /** What goes before each column's value: `,` in CSV; `{"key":` / `,"key":` in JSON Lines. */
  private readonly prefixes: Buffer[];
  /** Worst case bytes a row adds to its input: prefixes, per field `""`, quotes, `null` or `false`; the line end. */
  private readonly slack: number;

  protected constructor(
    private readonly formatters: readonly ValueFormatter[],
    columns: readonly ExportColumn[],
    private readonly neutralize: boolean,
    private readonly format: {
      prefixes: string[];
      quoted: (kind: number) => boolean;
      /** Bytes after which a field is not copied as it is (see CSV_SPECIAL, JSON_SPECIAL). */
      special: Uint8Array;
      /** What NULL writes. */
      null: Buffer;
      /** The byte before the LF that ends a line: CR in CSV, `}` in JSON Lines. */
      lineEnd: number;
    },
  ) {
    super(columns.length);
    this.kinds = Uint8Array.from(columns.map((c) => KIND[c.type] ?? OTHER));
    this.quoted = this.kinds.map((kind) => (format.quoted(kind) ? 1 : 0));
    this.prefixes = format.prefixes.map((p) => Buffer.from(p));
    this.slack = this.prefixes.reduce((sum, p) => sum + p.length, 0) + 5 * columns.length + 2;
  }

  protected transcode(data: Buffer, room: number): { rows: number; at: number } {
    const { kinds, quoted, prefixes, slack } = this;
    const special = this.format.special;
    const nullBytes = this.format.null;
    const n = kinds.length;
    let rows = 0;
    let p = 0;
    while (p < data.length && rows < room) {
      const lineEnd = data.indexOf(LF, p);
      this.reserve(lineEnd - p + slack);
      let out = this.out;
      let pos = this.pos;
      for (let col = 0; ; col++) {
        if (col >= n) this.badRow(col + 1);
        const prefix = prefixes[col];
        for (let k = 0; k < prefix.length; k++) out[pos++] = prefix[k];
        const kind = kinds[col];
        const start = pos;
        if (quoted[col]) out[pos++] = QUOTE;
        const from = p;
        let marked = 0;
        let b = data[p];
        while (b !== TAB && b !== LF) {
          marked |= special[b];
          out[pos++] = b;
          b = data[++p];
        }
        const bool = kind === BOOLEAN && !marked ? booleanBytes(data, from, p) : null;
        if (marked ? isNull(data, from, p) : bool || this.asIs(data, from, p, kind)) {
          // NULL (`\N`) is nothing in CSV and `null` in JSON; an empty CSV text is `""`.
          if (marked) pos = start + nullBytes.copy(out, start);
          else if (bool) pos = start + bool.copy(out, start);
          else if (quoted[col]) out[pos++] = QUOTE;
          else if (p === from && kind === TEXT) {
            out[pos++] = QUOTE;
            out[pos++] = QUOTE;
          }
        } else {
          // An escape, a quote, a comma, a formula, an unusual value: the formatter's.
          pos = this.formatted(data, from, p, col, start, lineEnd - p + slack);
          out = this.out;
        }
        if (b === LF) {
          if (col !== n - 1) this.badRow(col + 1);
          break;
        }
        p++;
      }
      out[pos++] = this.format.lineEnd;
      out[pos++] = LF;
      this.pos = pos;
      p = lineEnd + 1;
      rows++;
    }
    return { rows, at: p };
  }

  /** Whether a field without special bytes, data[from, to) of `kind`, is written as it is. */
  private asIs(data: Buffer, from: number, to: number, kind: number): boolean {
    if (kind === TEXT) return !(this.neutralize && FORMULA_START[data[from]]);
    if (kind === NUMBER) return isDecimal(data, from, to);
    if (kind === DATE) return isDay(data, from, to);
    return false;
  }

  /**
   * The field data[from, to) of column `col` through its formatter, written at `start` (dropping
   * what the scan copied after it) with room for `more` bytes after it (the rest of the row).
   * `out` may change: the caller reads `this.out` and the returned position again.
   */
  private formatted(data: Buffer, from: number, to: number, col: number, start: number, more: number): number {
    this.pos = start;
    // Never NULL: the loop writes `\N` itself.
    const text = this.formatters[col](unescapeCopyText(data.toString('utf8', from, to)));
    this.reserve(text.length * 3 + more);
    return (this.pos += this.out.write(text, this.pos));
  }
}

/** RFC 4180 CSV rows (CRLF), as `CsvExportWriter.writeRows` writes them. */
export class CsvCopyTextTranscoder extends CopyTextTranscoder {
  constructor(formatters: readonly ValueFormatter[], columns: readonly ExportColumn[], neutralize: boolean) {
    super(formatters, columns, neutralize, {
      prefixes: columns.map((_, i) => (i ? ',' : '')),
      quoted: () => false,
      special: CSV_SPECIAL,
      null: Buffer.alloc(0),
      lineEnd: CR,
    });
  }
}

/** JSON Lines rows, as `JsonlExportWriter.writeRows` writes them. */
export class JsonlCopyTextTranscoder extends CopyTextTranscoder {
  constructor(formatters: readonly ValueFormatter[], columns: readonly ExportColumn[], neutralize: boolean) {
    super(formatters, columns, neutralize, {
      prefixes: columns.map((c, i) => (i ? ',' : '{') + JSON.stringify(c.key) + ':'),
      quoted: (kind) => kind === TEXT || kind === DATE,
      special: JSON_SPECIAL,
      null: NULL,
      lineEnd: 0x7d, // }
    });
  }
}

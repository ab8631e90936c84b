import { isUtf8 } from 'buffer';
import { FileRejectedError } from './file-rejected.error';
import { ImportLimits } from './import-limits';
import { completePrefixLength, firstInvalidOffset } from './utf8-check';

export type RecordDelimiter = '\n' | '\r\n' | '\r';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const BOM = 0xfeff;

const enum S {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
}

export interface CsvTokenizerOptions {
  /** Build the records' fields (false: only check and count them, for the structural pass). */
  materialize: boolean;
}

const NONE: string[][] = [];

/**
 * A streaming RFC 4180 tokenizer that checks as it reads, in ONE pass and with bounded memory:
 * UTF-8 validity (native `isUtf8` per chunk; the byte offset is located only on failure),
 * quoting (unterminated quote, a quote inside an unquoted field, text after a closing quote),
 * the record size in bytes (terminator excluded) and the number of fields. Quoted fields may
 * hold commas, doubled quotes and line breaks. Outside quotes every line break ends a record,
 * whatever its kind: CRLF, LF or a lone CR, mixed freely (files edited or joined by different
 * tools), so a CR or LF ends up in a value only when it was inside quotes. `delimiter` reports
 * the first kind met. A UTF-8 BOM is stripped; empty lines are skipped.
 *
 * Each chunk's bytes are validated, decoded into one string and scanned with `charCodeAt`
 * (quoted text with native `indexOf`); fields are slices of that string. A chunk boundary may
 * fall anywhere: inside a multi-byte character (its bytes wait for the next chunk), between two
 * quotes, inside CRLF (a trailing CR waits for the next chunk), deep inside a field. Byte offsets
 * in errors are exact: they are derived from the decoded text only when needed (errors, and
 * records long enough to approach the limit), so the common path pays nothing for them. An
 * over-long record is refused as soon as the bytes read for it pass the limit: nothing larger
 * than the limit plus one chunk is ever held.
 *
 * `push` returns the records completed by that chunk (each an array of fields, the header first);
 * `end` returns the last one. With `materialize: false` no field text is built (the structural
 * pass over the whole file before anything is written, ADR 030).
 */
export class CsvTokenizer {
  /** Non-empty records completed so far (the header included). */
  records = 0;
  delimiter: RecordDelimiter | null = null;
  hasBom = false;

  private readonly materialize: boolean;
  private readonly maxRecordBytes: number;
  private readonly maxColumns: number;

  private state = S.FieldStart;
  /** Completed fields of the current record (materialize) and their count. */
  private fields: string[] = [];
  private fieldCount = 0;
  /** Text of the current field carried over from earlier chunks, or a quoted field's text. */
  private acc = '';
  private hasContent = false;
  /** File byte offsets of the current record's start and of the open quote (kept across chunks). */
  private recordStartByte = 0;
  private quoteStartByte = -1;

  /** Input bytes consumed into decoded text so far. */
  private bytesDecoded = 0;
  /** Bytes held for the next chunk: an incomplete character, or a CR whose meaning needs the next byte. */
  private carry: Buffer | null = null;
  private seenFirstChar = false;
  private ended = false;

  /** The chunk being scanned (valid during `scan`). */
  private text = '';
  private textByteStart = 0;
  private textAscii = true;
  private out: string[][] = NONE;

  constructor(limits: Pick<ImportLimits, 'maxRecordBytes' | 'maxColumns'>, options: CsvTokenizerOptions) {
    this.materialize = options.materialize;
    this.maxRecordBytes = limits.maxRecordBytes;
    this.maxColumns = limits.maxColumns;
  }

  /** Data rows seen: records after the header. */
  get dataRows(): number {
    return Math.max(0, this.records - 1);
  }

  /** Feeds the next bytes; returns the records they complete. Throws FileRejectedError. */
  push(chunk: Buffer): string[][] {
    let data = chunk;
    if (this.carry) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let cut = completePrefixLength(data);
    // A CR at the very end waits: CRLF or a lone CR is decided by the byte after it.
    if (cut > 0 && data[cut - 1] === CR) cut--;
    const body = cut === data.length ? data : data.subarray(0, cut);
    if (!isUtf8(body)) {
      const at = this.bytesDecoded + firstInvalidOffset(body);
      throw new FileRejectedError(`the file is not valid UTF-8 (invalid byte at byte offset ${at})`, at);
    }
    if (cut < data.length) this.carry = Buffer.from(data.subarray(cut));
    if (!body.length) return NONE;
    const start = this.bytesDecoded;
    this.bytesDecoded += body.length;
    const text = body.toString('utf8');
    return this.scan(text, start, body.length);
  }

  /** At end of input: checks what may not dangle and returns the last record, if any. */
  end(): string[][] {
    if (this.ended) return NONE;
    this.ended = true;
    const out: string[][] = [];
    const carry = this.carry;
    this.carry = null;
    if (carry && carry[0] === CR) {
      const start = this.bytesDecoded;
      this.bytesDecoded += 1;
      out.push(...this.scan('\r', start, 1));
    }
    if (carry && (carry[0] !== CR || carry.length > 1)) {
      const at = this.bytesDecoded;
      throw new FileRejectedError(`the file is not valid UTF-8 (truncated character at byte offset ${at})`, at);
    }
    this.text = '';
    this.textByteStart = this.bytesDecoded;
    this.textAscii = true;
    this.out = this.materialize ? out : NONE;
    if (this.state === S.Quoted) {
      throw this.reject(
        `unterminated quoted field: the quote opened at byte offset ${this.quoteStartByte} (${this.where()}) is never closed`,
        this.quoteStartByte,
      );
    }
    if (this.state === S.Unquoted) this.pushField(this.materialize ? this.takeAcc() : '');
    else if (this.state === S.QuoteInQuoted) this.pushField(this.takeAcc());
    else if (this.hasContent) this.pushField(''); // the file ends right after a comma
    this.endRecord(0, -1);
    this.out = NONE;
    return out;
  }

  private scan(s: string, byteStart: number, byteLength: number): string[][] {
    this.text = s;
    this.textByteStart = byteStart;
    this.textAscii = s.length === byteLength;
    const out: string[][] = this.materialize ? [] : NONE;
    this.out = out;
    const materialize = this.materialize;
    const n = s.length;
    let i = 0;
    if (!this.seenFirstChar) {
      this.seenFirstChar = true;
      if (s.charCodeAt(0) === BOM) {
        this.hasBom = true;
        i = 1;
        this.recordStartByte = 3;
      }
    }
    // Where the current record / unquoted field began in `s`; -1: in an earlier chunk.
    let recordStart = this.state === S.FieldStart && !this.hasContent ? i : -1;
    let fieldStart = this.state === S.Unquoted ? 0 : -1;
    let length = 0;

    // The fast path needs where the next quote and the next line breaks are (found natively,
    // each search resumed only once passed: a file without CRs pays for one search of them).
    let nextQuote = -1;
    let nextLf = -1;
    let nextCr = -1;

    while (i < n) {
      if (this.state === S.FieldStart && !this.hasContent && i === recordStart) {
        // Fast path for a whole record without quotes: its fields are what lies between commas
        // up to the first line break. Anything else (a quote in it, no line break in this chunk)
        // is left to the state machine.
        if (nextQuote < i) nextQuote = indexOr(s, '"', i, n);
        if (nextLf < i) nextLf = indexOr(s, '\n', i, n);
        if (nextCr < i) nextCr = indexOr(s, '\r', i, n);
        const end = nextCr < nextLf ? nextCr : nextLf;
        if (end < n && end < nextQuote) {
          // A CR is never a chunk's last character (it waits for the next byte), so s[end + 1] is known.
          const length = end === nextCr && nextLf === end + 1 ? 2 : 1;
          if (this.delimiter === null) this.delimiter = length === 2 ? '\r\n' : end === nextCr ? '\r' : '\n';
          if (end > i) this.plainRecord(s, i, end);
          i = end + length;
          recordStart = i;
          continue;
        }
      }
      switch (this.state) {
        case S.FieldStart: {
          const c = s.charCodeAt(i);
          if (c === QUOTE) {
            this.state = S.Quoted;
            this.hasContent = true;
            this.quoteStartByte = this.byteAt(i);
            i++;
          } else if (c === COMMA) {
            this.hasContent = true;
            this.endField('', i);
            i++;
          } else if (c === LF || c === CR) {
            length = this.terminatorLength(s, i, c);
            if (this.hasContent) this.pushField(''); // the record ends right after a comma
            this.endRecord(i, recordStart);
            i += length;
            recordStart = i;
          } else {
            // Any other character starts an unquoted field.
            this.state = S.Unquoted;
            this.hasContent = true;
            fieldStart = i;
            i++;
          }
          break;
        }
        case S.Unquoted: {
          // The hot loop: plain field text up to the next special character.
          let c = 0;
          while (i < n) {
            c = s.charCodeAt(i);
            if (c === COMMA || c === LF || c === CR || c === QUOTE) break;
            i++;
          }
          if (i === n) break;
          if (c === COMMA) {
            this.endField(materialize ? this.fieldText(s, fieldStart, i) : '', i);
            fieldStart = -1;
            i++;
          } else if (c === QUOTE) {
            const at = this.byteAt(i);
            throw this.reject(`a quote inside an unquoted field at byte offset ${at} (${this.where()}); quote the whole field and double inner quotes ("")`, at);
          } else {
            length = this.terminatorLength(s, i, c);
            this.pushField(materialize ? this.fieldText(s, fieldStart, i) : '');
            fieldStart = -1;
            this.endRecord(i, recordStart);
            i += length;
            recordStart = i;
          }
          break;
        }
        case S.Quoted: {
          const close = s.indexOf('"', i);
          if (close === -1) {
            if (materialize) this.acc += i === 0 ? s : s.slice(i);
            i = n;
            break;
          }
          if (materialize && close > i) this.acc += s.slice(i, close);
          this.state = S.QuoteInQuoted;
          i = close + 1;
          break;
        }
        case S.QuoteInQuoted: {
          const c = s.charCodeAt(i);
          if (c === QUOTE) {
            if (materialize) this.acc += '"';
            this.state = S.Quoted;
            i++;
          } else if (c === COMMA) {
            this.endField(this.takeAcc(), i);
            i++;
          } else if (c === LF || c === CR) {
            length = this.terminatorLength(s, i, c);
            this.pushField(this.takeAcc());
            this.endRecord(i, recordStart);
            i += length;
            recordStart = i;
          } else {
            const at = this.byteAt(i);
            throw this.reject(
              `unexpected character after the closing quote of a field at byte offset ${at} (${this.where()}); a quote inside a quoted field must be doubled ("")`,
              at,
            );
          }
          break;
        }
      }
    }
    // End of the chunk: carry the open unquoted field's text; refuse an open record already too long.
    if (this.state === S.Unquoted && materialize) this.acc = this.fieldText(s, fieldStart, n);
    const chunkEnd = byteStart + byteLength;
    if (this.state !== S.FieldStart || this.hasContent) {
      if (recordStart >= 0) this.recordStartByte = this.byteAt(recordStart);
      if (chunkEnd - this.recordStartByte > this.maxRecordBytes) throw this.tooLong();
    } else {
      this.recordStartByte = chunkEnd;
    }
    this.out = NONE;
    this.text = '';
    return out;
  }

  /** A non-empty record s[start, end) holding no quote, its delimiter right after it. */
  private plainRecord(s: string, start: number, end: number): void {
    let fields: string[] | null = null;
    let count: number;
    if (this.materialize) {
      fields = s.slice(start, end).split(',');
      count = fields.length;
    } else {
      count = 1;
      // A record cannot hold more fields than characters + 1: count commas only when it could matter.
      if (end - start >= this.maxColumns) for (let k = s.indexOf(',', start); k !== -1 && k < end; k = s.indexOf(',', k + 1)) count++;
    }
    if (count > this.maxColumns) {
      // Where the state machine stops: the comma that starts one field too many.
      let comma = start - 1;
      for (let k = 0; k < this.maxColumns; k++) comma = s.indexOf(',', comma + 1);
      throw this.reject(`${capital(this.where())} has more than ${this.maxColumns} fields (the column limit)`, this.byteAt(comma));
    }
    this.hasContent = true;
    this.fieldCount = count;
    if (fields) this.fields = fields;
    this.endRecord(end, start);
  }

  /**
   * How many characters the CR or LF at s[i] (outside quotes) takes as a record terminator: 2
   * for CRLF, else 1 (every line break outside quotes ends a record). The first one met is
   * reported as the file's `delimiter`. A CR is never the last character of a chunk unless the
   * input ended, so the character after it is known.
   */
  private terminatorLength(s: string, i: number, c: number): number {
    const length = c === CR && s.charCodeAt(i + 1) === LF ? 2 : 1;
    if (this.delimiter === null) this.delimiter = length === 2 ? '\r\n' : c === CR ? '\r' : '\n';
    return length;
  }

  /** The current unquoted field's text: what earlier chunks carried plus s[from, to). */
  private fieldText(s: string, from: number, to: number): string {
    const acc = this.acc;
    if (acc === '') return from < 0 ? '' : s.slice(from, to);
    this.acc = '';
    return from < 0 ? acc : acc + s.slice(from, to);
  }

  private takeAcc(): string {
    const acc = this.acc;
    this.acc = '';
    return acc;
  }

  private endField(value: string, i: number): void {
    this.pushField(value);
    this.state = S.FieldStart;
    if (this.fieldCount >= this.maxColumns) {
      throw this.reject(`${capital(this.where())} has more than ${this.maxColumns} fields (the column limit)`, this.byteAt(i));
    }
  }

  private pushField(value: string): void {
    if (this.materialize) this.fields.push(value);
    this.fieldCount++;
  }

  /**
   * Ends the record whose terminator is at s[end] (its last field already pushed): checks its
   * size and emits it, unless it is an empty line; resets for the next record.
   */
  private endRecord(end: number, recordStart: number): void {
    this.state = S.FieldStart;
    if (this.hasContent) {
      this.checkSize(end, recordStart);
      this.records++;
      if (this.materialize) {
        this.out.push(this.fields);
        this.fields = [];
      }
    }
    this.fieldCount = 0;
    this.hasContent = false;
  }

  /** The record that started at s[recordStart] (or in an earlier chunk when -1) ends before s[end]. */
  private checkSize(end: number, recordStart: number): void {
    const max = this.maxRecordBytes;
    if (recordStart >= 0) {
      const chars = end - recordStart;
      if (chars * 3 <= max) return; // a UTF-16 unit is at most 3 UTF-8 bytes
      if (chars > max || this.byteLengthOf(recordStart, end) > max) {
        this.recordStartByte = this.byteAt(recordStart);
        throw this.tooLong();
      }
      return;
    }
    const before = this.textByteStart - this.recordStartByte;
    if (before + end * 3 <= max) return;
    if (before + this.byteLengthOf(0, end) > max) throw this.tooLong();
  }

  private tooLong(): FileRejectedError {
    const quoted = this.state === S.Quoted ? ` inside a quoted field opened at byte offset ${this.quoteStartByte} (an unterminated quote?)` : '';
    return this.reject(
      `${capital(this.where())} starting at byte offset ${this.recordStartByte} is longer than the limit of ${this.maxRecordBytes} bytes${quoted}`,
      this.recordStartByte,
    );
  }

  /** Byte offset in the file of s[i] of the chunk being scanned. */
  private byteAt(i: number): number {
    return this.textByteStart + this.byteLengthOf(0, i);
  }

  private byteLengthOf(from: number, to: number): number {
    if (this.textAscii) return to - from;
    return Buffer.byteLength(this.text.slice(from, to), 'utf8');
  }

  private where(): string {
    return this.records === 0 ? 'the header row' : `row ${this.records}`;
  }

  private reject(message: string, offset: number): FileRejectedError {
    return new FileRejectedError(message, offset);
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** s.indexOf(search, from), or `none` when absent. */
function indexOr(s: string, search: string, from: number, none: number): number {
  const at = s.indexOf(search, from);
  return at === -1 ? none : at;
}

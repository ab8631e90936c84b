import { CsvChunkDecoder } from './csv-chunk-decoder';
import { CsvPosition } from './csv-position';
import { ImportLimits } from './import-limits';

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
 * UTF-8 validity (CsvChunkDecoder), quoting (unterminated quote, a quote inside an unquoted
 * field, text after a closing quote), the record size in bytes (terminator excluded) and the
 * number of fields (CsvPosition: the limits and the refusals, with exact byte offsets). Quoted
 * fields may hold commas, doubled quotes and line breaks. Outside quotes every line break ends a
 * record, whatever its kind: CRLF, LF or a lone CR, mixed freely (files edited or joined by
 * different tools), so a CR or LF ends up in a value only when it was inside quotes. `delimiter`
 * reports the first kind met. A UTF-8 BOM is stripped; empty lines are skipped.
 *
 * Each chunk's bytes are validated, decoded into one string and scanned with `charCodeAt`
 * (quoted text with native `indexOf`); fields are slices of that string. A chunk boundary may
 * fall anywhere: inside a multi-byte character, between two quotes, inside CRLF, deep inside a
 * field.
 *
 * `push` returns the records completed by that chunk (each an array of fields, the header first);
 * `end` returns the last one. With `materialize: false` no field text is built (the structural
 * pass over the whole file before anything is written, ADR 030).
 */
export class CsvTokenizer {
  delimiter: RecordDelimiter | null = null;
  hasBom = false;

  private readonly materialize: boolean;
  private readonly maxColumns: number;
  private readonly decoder = new CsvChunkDecoder();
  private readonly position: CsvPosition;

  private state = S.FieldStart;
  /** Completed fields of the current record (materialize) and their count. */
  private fields: string[] = [];
  private fieldCount = 0;
  /** Text of the current field carried over from earlier chunks, or a quoted field's text. */
  private acc = '';
  private hasContent = false;
  private seenFirstChar = false;
  private ended = false;
  private out: string[][] = NONE;

  constructor(limits: Pick<ImportLimits, 'maxRecordBytes' | 'maxColumns'>, options: CsvTokenizerOptions) {
    this.materialize = options.materialize;
    this.maxColumns = limits.maxColumns;
    this.position = new CsvPosition(limits.maxRecordBytes, limits.maxColumns);
  }

  /** Non-empty records completed so far (the header included). */
  get records(): number {
    return this.position.records;
  }

  /** Data rows seen: records after the header. */
  get dataRows(): number {
    return Math.max(0, this.records - 1);
  }

  /** Feeds the next bytes; returns the records they complete. Throws FileRejectedError. */
  push(chunk: Buffer): string[][] {
    const decoded = this.decoder.decode(chunk);
    return decoded ? this.scan(decoded.text, decoded.byteStart, decoded.byteLength) : NONE;
  }

  /** At end of input: checks what may not dangle and returns the last record, if any. */
  end(): string[][] {
    if (this.ended) return NONE;
    this.ended = true;
    const out: string[][] = [];
    const cr = this.decoder.heldCr();
    if (cr) out.push(...this.scan(cr.text, cr.byteStart, cr.byteLength));
    this.decoder.end();
    this.position.startText('', this.decoder.bytesDecoded, 0);
    this.out = this.materialize ? out : NONE;
    if (this.state === S.Quoted) throw this.position.unterminatedQuote();
    if (this.state === S.Unquoted) this.pushField(this.materialize ? this.takeAcc() : '');
    else if (this.state === S.QuoteInQuoted) this.pushField(this.takeAcc());
    else if (this.hasContent) this.pushField(''); // the file ends right after a comma
    this.endRecord(0, -1);
    this.out = NONE;
    return out;
  }

  private scan(s: string, byteStart: number, byteLength: number): string[][] {
    const position = this.position;
    position.startText(s, byteStart, byteLength);
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
        position.recordStartByte = 3;
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
            position.quoteStartByte = position.byteAt(i);
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
            throw position.quoteInUnquoted(position.byteAt(i));
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
            throw position.textAfterClosingQuote(position.byteAt(i));
          }
          break;
        }
      }
    }
    // End of the chunk: carry the open unquoted field's text; refuse an open record already too long.
    if (this.state === S.Unquoted && materialize) this.acc = this.fieldText(s, fieldStart, n);
    position.endChunk(this.state !== S.FieldStart || this.hasContent, recordStart, byteStart, byteLength, this.state === S.Quoted);
    this.out = NONE;
    position.endText();
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
      throw this.position.tooManyFields(this.position.byteAt(comma));
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
    if (this.fieldCount >= this.maxColumns) throw this.position.tooManyFields(this.position.byteAt(i));
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
      this.position.checkSize(end, recordStart);
      this.position.records++;
      if (this.materialize) {
        this.out.push(this.fields);
        this.fields = [];
      }
    }
    this.fieldCount = 0;
    this.hasContent = false;
  }
}

/** s.indexOf(search, from), or `none` when absent. */
function indexOr(s: string, search: string, from: number, none: number): number {
  const at = s.indexOf(search, from);
  return at === -1 ? none : at;
}

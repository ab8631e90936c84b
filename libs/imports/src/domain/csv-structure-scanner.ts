import { FileRejectedError } from './file-rejected.error';
import { ImportLimits } from './import-limits';
import { Utf8Checker } from './utf8-check';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

const enum S {
  FieldStart,
  Unquoted,
  Quoted,
  QuoteInQuoted,
  CrPending,
}

export type RecordDelimiter = '\n' | '\r\n' | '\r';

/**
 * A byte-level RFC 4180 pass over a whole CSV file BEFORE any row is written: UTF-8 validity,
 * quoting (unterminated quotes, stray quotes), record size and field count limits, the record
 * delimiter (CRLF, LF or CR, decided by the first one met outside quotes, then handed to the
 * parser so both agree) and the number of data rows. It keeps O(1) state, so a 200 MB line is
 * refused after `maxRecordBytes` bytes without ever being buffered. Mirrors csv-parse's strict
 * defaults, so a file that passes here parses there.
 */
export class CsvStructureScanner {
  private state = S.FieldStart;
  private offset = 0;
  private recordStart = 0;
  private recordBytes = 0;
  private fields = 0;
  private hasContent = false;
  private quoteStart = -1;
  private readonly utf8 = new Utf8Checker();
  /** Non-empty records seen (header included). */
  records = 0;
  delimiter: RecordDelimiter | null = null;
  hasBom = false;

  constructor(private readonly limits: ImportLimits) {}

  push(chunk: Buffer): void {
    const invalid = this.utf8.push(chunk);
    if (invalid !== null) throw this.reject(`the file is not valid UTF-8 (invalid byte at byte offset ${invalid})`, invalid);
    let i = 0;
    if (this.offset === 0 && chunk.length >= 3 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      this.hasBom = true;
      i = 3;
      this.offset = 3;
      this.recordStart = 3;
    }
    const max = this.limits.maxRecordBytes;
    for (; i < chunk.length; i++, this.offset++) {
      const b = chunk[i];
      switch (this.state) {
        case S.Quoted:
          if (b === QUOTE) this.state = S.QuoteInQuoted;
          break;
        case S.Unquoted:
          if (b === COMMA) this.endField();
          else if (b === LF || b === CR) this.terminator(b);
          else if (b === QUOTE) {
            throw this.reject(`a quote inside an unquoted field at byte offset ${this.offset} (${this.where()}); quote the whole field and double inner quotes ("")`, this.offset);
          }
          break;
        case S.FieldStart:
          if (b === QUOTE) {
            this.state = S.Quoted;
            this.quoteStart = this.offset;
            this.hasContent = true;
          } else if (b === COMMA) {
            this.hasContent = true;
            this.endField();
          } else if (b === LF || b === CR) this.terminator(b);
          else {
            this.state = S.Unquoted;
            this.hasContent = true;
          }
          break;
        case S.QuoteInQuoted:
          if (b === QUOTE) this.state = S.Quoted;
          else if (b === COMMA) this.endField();
          else if (b === LF || b === CR) this.terminator(b);
          else {
            throw this.reject(
              `unexpected character after the closing quote of a field at byte offset ${this.offset} (${this.where()}); a quote inside a quoted field must be doubled ("")`,
              this.offset,
            );
          }
          break;
        case S.CrPending:
          if (b === LF) {
            this.delimiter ??= '\r\n';
            this.endRecord();
          } else {
            if (this.delimiter === null) {
              this.delimiter = '\r';
              this.endRecord();
              this.recordStart = this.offset;
            } else {
              // '\r' alone inside a CRLF file is data of an unquoted field.
              this.state = S.Unquoted;
              this.hasContent = true;
            }
            i--; // look at this byte again in the new state
            this.offset--;
            this.recordBytes--;
          }
          break;
      }
      if (++this.recordBytes > max) {
        const quoted = this.state === S.Quoted ? ` inside a quoted field opened at byte offset ${this.quoteStart} (an unterminated quote?)` : '';
        throw this.reject(
          `${capital(this.where())} starting at byte offset ${this.recordStart} is longer than the limit of ${max} bytes${quoted}`,
          this.recordStart,
        );
      }
    }
  }

  /** Call at end of input; returns the number of data rows (records after the header). */
  end(): number {
    const dangling = this.utf8.end();
    if (dangling !== null) throw this.reject(`the file is not valid UTF-8 (truncated character at byte offset ${dangling})`, dangling);
    if (this.state === S.Quoted) {
      throw this.reject(
        `unterminated quoted field: the quote opened at byte offset ${this.quoteStart} (${this.where()}) is never closed`,
        this.quoteStart,
      );
    }
    if (this.state === S.CrPending && this.delimiter === null) this.delimiter = '\r';
    if (this.hasContent || this.state === S.CrPending) {
      this.state = S.FieldStart;
      this.endRecord();
    }
    return Math.max(0, this.records - 1);
  }

  private terminator(b: number): void {
    if (b === LF) {
      if (this.delimiter === null || this.delimiter === '\n') {
        this.delimiter = '\n';
        this.endRecord();
      } else if (this.state === S.FieldStart) {
        this.state = S.Unquoted;
        this.hasContent = true;
      } else if (this.state === S.QuoteInQuoted) {
        throw this.reject(`unexpected line feed after a closing quote at byte offset ${this.offset} (${this.where()})`, this.offset);
      }
      return;
    }
    if (this.delimiter === '\r') {
      this.endRecord();
    } else if (this.delimiter === '\n') {
      if (this.state === S.FieldStart) {
        this.state = S.Unquoted;
        this.hasContent = true;
      } else if (this.state === S.QuoteInQuoted) {
        throw this.reject(`unexpected carriage return after a closing quote at byte offset ${this.offset} (${this.where()})`, this.offset);
      }
    } else {
      this.state = S.CrPending;
    }
  }

  private endField(): void {
    this.fields++;
    this.state = S.FieldStart;
    if (this.fields >= this.limits.maxColumns) {
      throw this.reject(`${capital(this.where())} has more than ${this.limits.maxColumns} fields (the column limit)`, this.offset);
    }
  }

  private endRecord(): void {
    if (this.hasContent) {
      this.fields++;
      this.records++;
    }
    this.state = S.FieldStart;
    this.fields = 0;
    this.hasContent = false;
    this.recordBytes = 0;
    this.recordStart = this.offset + 1;
  }

  private where(): string {
    return this.records === 0 ? 'the header row' : `row ${this.records}`;
  }

  private reject(message: string, offset: number): FileRejectedError {
    return new FileRejectedError(message, offset);
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

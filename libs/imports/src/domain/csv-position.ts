import { FileRejectedError } from './file-rejected.error';

/**
 * Where the CSV tokenizer is in the file, for its limits and its refusals: the records completed
 * so far (the row a message names), the byte offsets of the chunk's text, of the open record and
 * of the open quote, and the record size limit, which is in bytes. Byte offsets are derived from
 * the decoded text only when needed (errors, and records long enough to approach the limit), so
 * the common path pays nothing for them; they are exact, whatever the chunking. An over-long
 * record is refused as soon as the bytes read for it pass the limit: nothing larger than the limit
 * plus one chunk is ever held.
 */
export class CsvPosition {
  /** Non-empty records completed so far (the header included). */
  records = 0;
  /** File byte offsets of the current record's start and of the open quote (kept across chunks). */
  recordStartByte = 0;
  quoteStartByte = -1;

  /** The chunk being scanned. */
  private text = '';
  private textByteStart = 0;
  private textAscii = true;

  constructor(
    private readonly maxRecordBytes: number,
    private readonly maxColumns: number,
  ) {}

  /** The chunk `s` (decoded from `byteLength` bytes at `byteStart`) is scanned next. */
  startText(s: string, byteStart: number, byteLength: number): void {
    this.text = s;
    this.textByteStart = byteStart;
    this.textAscii = s.length === byteLength;
  }

  endText(): void {
    this.text = '';
  }

  /** Byte offset in the file of s[i] of the chunk being scanned. */
  byteAt(i: number): number {
    return this.textByteStart + this.byteLengthOf(0, i);
  }

  /** The record that started at s[recordStart] (or in an earlier chunk when -1) ends before s[end]. */
  checkSize(end: number, recordStart: number): void {
    const max = this.maxRecordBytes;
    if (recordStart >= 0) {
      const chars = end - recordStart;
      if (chars * 3 <= max) return; // a UTF-16 unit is at most 3 UTF-8 bytes
      if (chars > max || this.byteLengthOf(recordStart, end) > max) {
        this.recordStartByte = this.byteAt(recordStart);
        throw this.tooLong(false);
      }
      return;
    }
    const before = this.textByteStart - this.recordStartByte;
    if (before + end * 3 <= max) return;
    if (before + this.byteLengthOf(0, end) > max) throw this.tooLong(false);
  }

  /**
   * At the end of a chunk of `byteLength` bytes starting at `byteStart`: a record still open (it
   * began at s[recordStart], or in an earlier chunk when -1) is refused once it is too long; with
   * none open, the next record starts after the chunk.
   */
  endChunk(recordOpen: boolean, recordStart: number, byteStart: number, byteLength: number, inQuote: boolean): void {
    const chunkEnd = byteStart + byteLength;
    if (recordOpen) {
      if (recordStart >= 0) this.recordStartByte = this.byteAt(recordStart);
      if (chunkEnd - this.recordStartByte > this.maxRecordBytes) throw this.tooLong(inQuote);
    } else {
      this.recordStartByte = chunkEnd;
    }
  }

  tooManyFields(offset: number): FileRejectedError {
    return new FileRejectedError(`${capital(this.where())} has more than ${this.maxColumns} fields (the column limit)`, offset);
  }

  quoteInUnquoted(at: number): FileRejectedError {
    return new FileRejectedError(`a quote inside an unquoted field at byte offset ${at} (${this.where()}); quote the whole field and double inner quotes ("")`, at);
  }

  textAfterClosingQuote(at: number): FileRejectedError {
    return new FileRejectedError(
      `unexpected character after the closing quote of a field at byte offset ${at} (${this.where()}); a quote inside a quoted field must be doubled ("")`,
      at,
    );
  }

  unterminatedQuote(): FileRejectedError {
    return new FileRejectedError(
      `unterminated quoted field: the quote opened at byte offset ${this.quoteStartByte} (${this.where()}) is never closed`,
      this.quoteStartByte,
    );
  }

  private tooLong(inQuote: boolean): FileRejectedError {
    const quoted = inQuote ? ` inside a quoted field opened at byte offset ${this.quoteStartByte} (an unterminated quote?)` : '';
    return new FileRejectedError(
      `${capital(this.where())} starting at byte offset ${this.recordStartByte} is longer than the limit of ${this.maxRecordBytes} bytes${quoted}`,
      this.recordStartByte,
    );
  }

  private byteLengthOf(from: number, to: number): number {
    if (this.textAscii) return to - from;
    return Buffer.byteLength(this.text.slice(from, to), 'utf8');
  }

  private where(): string {
    return this.records === 0 ? 'the header row' : `row ${this.records}`;
  }
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

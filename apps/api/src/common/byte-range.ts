import type { ByteRange } from '@porter/shared-kernel';

/**
 * Reads a `Range` header for a file of `size` bytes (RFC 9110 section 14): `bytes=a-b`, `bytes=a-`
 * and the suffix form `bytes=-n`. Returns
 * - `null` when the whole file is to be sent (no header, another unit, several ranges, or a
 *   malformed value: a server may ignore a Range it does not support, and answering the whole
 *   file is always correct);
 * - `'unsatisfiable'` when the one range lies wholly past the end of the file (416);
 * - otherwise the range, its end clamped to the last byte.
 */
export function parseByteRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return null; // several ranges or garbage: the full representation
  const [, first, last] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (!Number.isSafeInteger(suffix)) return null;
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return null;
  if (last !== '' && end < start) return null; // invalid range-spec: ignore the header
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

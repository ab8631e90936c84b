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
  // Positions past any file (more digits than a safe integer holds) are compared as what they
  // are: larger than the file. A last position past the end is clamped (RFC 9110 14.1.2), a
  // suffix longer than the file is the whole file, a first position past the end unsatisfiable.
  const huge = (digits: string) => !Number.isSafeInteger(Number(digits));
  if (first === '') {
    if (size === 0 || /^0+$/.test(last)) return 'unsatisfiable';
    const suffix = huge(last) ? size : Number(last);
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  if (huge(first)) return last !== '' && !huge(last) ? null : 'unsatisfiable'; // first > last: ignore; else past the end
  const start = Number(first);
  const end = last === '' || huge(last) ? size - 1 : Number(last);
  if (last !== '' && !huge(last) && end < start) return null; // invalid range-spec: ignore the header
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(end, size - 1) };
}

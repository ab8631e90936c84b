import { ImportFormat } from '../public/enums/import-format';
import { firstInvalidOffset } from './utf8-check';

export type SniffResult = { format: ImportFormat } | { rejected: string };

/** Bytes of the upload's beginning the sniffer looks at. */
export const SNIFF_BYTES = 64 * 1024;

/**
 * Decides an upload's format from its first bytes, never from its name or declared type (those
 * must then agree with it: declared-file-type.ts):
 * a zip local header (PK\3\4) is XLSX (verified when parsed); UTF-16/32 byte-order marks and
 * binary content are refused; text whose first non-blank character is `{` is JSONL (its first
 * line must be a JSON object); other UTF-8 text is CSV.
 * `complete` says the sample is the whole file (so its last bytes are not cut mid-character).
 */
export function sniffFormat(sample: Buffer, complete: boolean): SniffResult {
  if (sample.length >= 4 && sample[0] === 0x50 && sample[1] === 0x4b && sample[2] === 0x03 && sample[3] === 0x04) {
    return { format: ImportFormat.Xlsx };
  }
  if (sample.length >= 4 && sample[0] === 0x00 && sample[1] === 0x00 && sample[2] === 0xfe && sample[3] === 0xff) {
    return { rejected: 'the file is UTF-32 (big-endian byte-order mark); save it as UTF-8' };
  }
  if (sample.length >= 4 && sample[0] === 0xff && sample[1] === 0xfe && sample[2] === 0x00 && sample[3] === 0x00) {
    return { rejected: 'the file is UTF-32 (little-endian byte-order mark); save it as UTF-8' };
  }
  if (sample.length >= 2 && ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff))) {
    return { rejected: `the file is UTF-16 (${sample[0] === 0xff ? 'little' : 'big'}-endian byte-order mark at byte offset 0); save it as UTF-8` };
  }
  const known = knownBinary(sample);
  if (known) return { rejected: `the file is ${known}, not CSV, XLSX or JSONL` };

  const start = sample.length >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf ? 3 : 0;
  let controls = 0;
  let firstNul = -1;
  for (let i = start; i < sample.length; i++) {
    const b = sample[i];
    if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) {
      controls++;
      if (b === 0 && firstNul < 0) firstNul = i;
    }
  }
  const body = sample.length - start;
  if (controls > 2 && controls * 100 > body) {
    const hint = firstNul >= 0 && looksUtf16WithoutBom(sample, start) ? 'UTF-16 without a byte-order mark' : 'binary';
    return { rejected: `the file looks ${hint} (control bytes such as NUL, first at byte offset ${firstNul >= 0 ? firstNul : start}); only UTF-8 text (CSV, JSONL) or XLSX is accepted` };
  }
  // A sample cut mid-character is fine: only a complete invalid sequence is an error here.
  const checked = complete ? sample : sample.subarray(0, Math.max(start, sample.length - 3));
  const invalid = firstInvalidOffset(checked);
  if (invalid < checked.length) {
    return { rejected: `the file is not valid UTF-8 (invalid byte 0x${sample[invalid].toString(16).padStart(2, '0')} at byte offset ${invalid}); save it as UTF-8` };
  }

  let i = start;
  while (i < sample.length && (sample[i] === 0x20 || sample[i] === 0x09 || sample[i] === 0x0a || sample[i] === 0x0d)) i++;
  if (i < sample.length && sample[i] === 0x7b) {
    const nl = sample.indexOf(0x0a, i);
    if (nl >= 0 || complete) {
      const line = sample.subarray(i, nl >= 0 ? nl : sample.length).toString('utf8').trim();
      try {
        const value: unknown = JSON.parse(line);
        if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
      } catch {
        return { rejected: 'the file starts with "{" but its first line is not a JSON object (JSONL needs one object per line)' };
      }
    }
    return { format: ImportFormat.Jsonl };
  }
  return { format: ImportFormat.Csv };
}

function knownBinary(s: Buffer): string | null {
  const starts = (...bytes: number[]) => bytes.every((b, i) => s[i] === b);
  if (starts(0x25, 0x50, 0x44, 0x46)) return 'a PDF document';
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'a PNG image';
  if (starts(0xff, 0xd8, 0xff)) return 'a JPEG image';
  if (starts(0x1f, 0x8b)) return 'gzip-compressed';
  if (starts(0xd0, 0xcf, 0x11, 0xe0)) return 'a legacy Office (.xls/.doc) file';
  if (starts(0x50, 0x4b, 0x05, 0x06)) return 'an empty zip archive';
  return null;
}

function looksUtf16WithoutBom(s: Buffer, start: number): boolean {
  let evenNul = 0;
  let oddNul = 0;
  const end = Math.min(s.length, start + 512);
  for (let i = start; i < end; i++) if (s[i] === 0) (i % 2 === 0 ? evenNul++ : oddNul++);
  const pairs = (end - start) / 2;
  return evenNul > pairs * 0.3 || oddNul > pairs * 0.3;
}

import { HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Readable } from 'stream';
import { pipeline } from 'stream/promises';

/** An inclusive byte range of a file of known size. */
export interface ByteRange {
  start: number;
  end: number;
}

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

export interface StoredFileToSend {
  sizeBytes: number;
  contentType: string;
  /** A strong ETag value without quotes (the sha256), when known: `If-Range` is compared with it. */
  etag?: string;
  /** Headers set on every answer (200, 206 and 416). */
  headers: Record<string, string>;
  /** Opens the bytes: the whole file, or the inclusive range (a ranged read of the store). */
  open(range?: ByteRange): Promise<Readable>;
}

/**
 * Sends a stored file as 200, or 206 with `Content-Range` for one satisfiable `Range`, or 416
 * (`Content-Range: bytes * /size`, problem+json) for an unsatisfiable one. Ranges are read from
 * the store as ranges (a ranged GetObject on S3, a positioned read on disk): the API never reads
 * the bytes before the range. `If-Range` with a different ETag (or a date: Porter's files have no
 * Last-Modified) sends the whole file, as RFC 9110 asks.
 */
export async function sendStoredFile(req: Request, res: Response, file: StoredFileToSend): Promise<void> {
  for (const [name, value] of Object.entries(file.headers)) res.setHeader(name, value);
  res.setHeader('Accept-Ranges', 'bytes');
  if (file.etag) res.setHeader('ETag', `"${file.etag}"`);
  const ifRange = req.get('if-range');
  const rangeAllowed = ifRange === undefined || (file.etag !== undefined && ifRange.trim() === `"${file.etag}"`);
  const range = rangeAllowed ? parseByteRange(req.get('range'), file.sizeBytes) : null;
  if (range === 'unsatisfiable') {
    res.setHeader('Content-Range', `bytes */${file.sizeBytes}`);
    throw new HttpException(`The requested range is not within the file's ${file.sizeBytes} bytes`, 416);
  }
  // Open before the status goes out: a missing object still becomes the caller's 404/410.
  const stream = await file.open(range ?? undefined);
  res.setHeader('Content-Type', file.contentType);
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.sizeBytes}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(file.sizeBytes));
  }
  if (req.method === 'HEAD') {
    stream.destroy();
    res.end();
    return;
  }
  await pipeline(stream, res).catch(() => {
    // The client went away mid-download (or the store failed mid-stream: the response is cut
    // short of its Content-Length, which the client sees); nothing more to answer.
    stream.destroy();
  });
}

import { HttpException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { pipeline } from 'stream/promises';
import type { FileDownload } from '@porter/shared-kernel';
import { parseByteRange } from './byte-range';
import { attachmentDisposition } from './content-disposition';

/**
 * Sends a file a download query handed out, the same way for every kind of download (ADR 059):
 * `Content-Disposition: attachment` with the file's name, `Cache-Control: private, no-store`,
 * `X-Content-Type-Options: nosniff`, and, when the file's SHA-256 is known, a strong `ETag` and
 * `Repr-Digest`. A file of known size is 200 with `Content-Length`, or 206 with `Content-Range` for
 * one satisfiable `Range`, or 416 (`Content-Range: bytes * /size`, problem+json) for an
 * unsatisfiable one; ranges are read from the store as ranges, never by skipping bytes. `If-Range`
 * with another ETag (or a date: Porter's files have no Last-Modified) sends the whole file, as
 * RFC 9110 asks. A file of unknown size is streamed whole, without `Content-Length` or ranges.
 */
export async function sendFileDownload(req: Request, res: Response, download: FileDownload): Promise<void> {
  const { sizeBytes, sha256 } = download;
  res.setHeader('Content-Disposition', attachmentDisposition(download.fileName));
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (sha256) {
    res.setHeader('ETag', `"${sha256}"`);
    res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`);
  }
  let range: ReturnType<typeof parseByteRange> = null;
  if (sizeBytes !== null) {
    res.setHeader('Accept-Ranges', 'bytes');
    const ifRange = req.get('if-range');
    const rangeAllowed = ifRange === undefined || (sha256 !== null && ifRange.trim() === `"${sha256}"`);
    range = rangeAllowed ? parseByteRange(req.get('range'), sizeBytes) : null;
    if (range === 'unsatisfiable') {
      res.setHeader('Content-Range', `bytes */${sizeBytes}`);
      throw new HttpException(`The requested range is not within the file's ${sizeBytes} bytes`, 416);
    }
  }
  // Open before the status goes out: a file gone since the checks is still the caller's 404/410.
  const stream = await download.open(range ?? undefined);
  res.setHeader('Content-Type', download.contentType);
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${sizeBytes}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    if (sizeBytes !== null) res.setHeader('Content-Length', String(sizeBytes));
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

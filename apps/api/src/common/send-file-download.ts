import { HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
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
 *
 * The headers go on the reply until the file is open (a refusal before that is an ordinary
 * problem+json answer that carries them, as the 416 needs its Content-Range); the bytes are then
 * piped into Node's response itself (the reply is hijacked: Fastify neither buffers nor touches them).
 */
export async function sendFileDownload(req: FastifyRequest, reply: FastifyReply, download: FileDownload): Promise<void> {
  const { sizeBytes, sha256 } = download;
  reply.header('Content-Disposition', attachmentDisposition(download.fileName));
  reply.header('Cache-Control', 'private, no-store');
  reply.header('X-Content-Type-Options', 'nosniff');
  if (sha256) {
    reply.header('ETag', `"${sha256}"`);
    reply.header('Repr-Digest', `sha-256=:${Buffer.from(sha256, 'hex').toString('base64')}:`);
  }
  let range: ReturnType<typeof parseByteRange> = null;
  if (sizeBytes !== null) {
    reply.header('Accept-Ranges', 'bytes');
    const ifRange = headerOf(req, 'if-range');
    const rangeAllowed = ifRange === undefined || (sha256 !== null && ifRange.trim() === `"${sha256}"`);
    range = rangeAllowed ? parseByteRange(headerOf(req, 'range'), sizeBytes) : null;
    if (range === 'unsatisfiable') {
      reply.header('Content-Range', `bytes */${sizeBytes}`);
      throw new HttpException(`The requested range is not within the file's ${sizeBytes} bytes`, 416);
    }
  }
  // Open before the status goes out: a file gone since the checks is still the caller's 404/410.
  const stream = await download.open(range ?? undefined);
  reply.header('Content-Type', download.contentType);
  let status = 200;
  if (range) {
    status = 206;
    reply.header('Content-Range', `bytes ${range.start}-${range.end}/${sizeBytes}`);
    reply.header('Content-Length', String(range.end - range.start + 1));
  } else if (sizeBytes !== null) {
    reply.header('Content-Length', String(sizeBytes));
  }
  reply.hijack();
  const res = reply.raw;
  res.statusCode = status;
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
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

/**
 * Whether a request for a file is a download to count: a GET that receives the file from its
 * first byte. A HEAD receives nothing (download managers and link previews send one first); a
 * Range that starts past the first byte (`bytes=500-`, `bytes=-500`) resumes or splits a download
 * already counted. A Range with If-Range may get the whole file, so it counts, as does one Porter
 * would not understand (the whole file is sent then).
 */
export function countsAsDownload(req: FastifyRequest): boolean {
  if (req.method !== 'GET') return false;
  const range = headerOf(req, 'range');
  if (range === undefined || headerOf(req, 'if-range') !== undefined) return true;
  const first = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(range);
  if (!first) return true; // several ranges or garbage: ignored, the whole file is sent
  const [, from, to] = first;
  // `bytes=-` and `bytes=10-5` (its end before its start) are no range at all: ignored too, the
  // whole file is sent (parseByteRange), so they count.
  if (from === '' && to === '') return true;
  if (from !== '' && to !== '' && Number(to) < Number(from)) return true;
  return from !== '' && Number(from) === 0;
}

/** A request header as one string (Express' `req.get`: the first of repeated ones). */
function headerOf(req: FastifyRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

import etag from 'etag';
import fresh from 'fresh';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The weak ETag Express put on every body it sent (`W/"<length>-<sha1>"`), kept so that clients see the same answers. */
export const weakETag = (body: string | Buffer): string => etag(body, { weak: true });

/**
 * Fastify onSend hook doing what Express' `res.send` did to every string or Buffer body: a text
 * body's media type says `charset=utf-8`, the body gets its weak ETag, and a GET or HEAD whose
 * If-None-Match (or If-Modified-Since) still matches is answered 304 without a body. Streams
 * (downloads, static files) and raw answers (event streams) are left alone.
 */
export function etagOnSend(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: null, payload?: unknown) => void): void {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done(null, payload);
  if (typeof payload === 'string') {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && !/;\s*charset=/i.test(type)) reply.header('Content-Type', `${type}; charset=utf-8`);
  }
  let tag = reply.getHeader('etag') as string | undefined;
  if (tag === undefined) {
    tag = weakETag(payload);
    reply.header('ETag', tag);
  }
  const status = reply.statusCode;
  const method = request.raw.method;
  if ((method === 'GET' || method === 'HEAD') && ((status >= 200 && status < 300) || status === 304)) {
    if (fresh(request.headers, { etag: tag, 'last-modified': reply.getHeader('last-modified') as string | undefined })) {
      reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      reply.removeHeader('transfer-encoding');
      // A HEAD goes on to Fastify's own HEAD handler, which needs the payload (it sets the
      // Content-Length the 200 would have had, as RFC 9110 allows on a 304, and sends none).
      return done(null, method === 'HEAD' ? payload : null);
    }
  }
  done(null, payload);
}

import etag from 'etag';
import fresh from 'fresh';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The weak ETag Express put on every body it sent (`W/"<length>-<sha1>"`), kept so that clients see the same answers. */
export const weakETag = (body: string | Buffer): string => etag(body, { weak: true });

/**
 * JSON bodies as Fastify serialises them without a schema (JSON.stringify), once per frozen object:
 * a read answered to many callers at the same moment is one shared frozen object (the job read
 * model's, ADR 093), and each of them was serialised again. Objects that are not frozen may change
 * between two answers, so they are serialised every time, as before.
 */
const serialised = new WeakMap<object, string>();
export function serializeReplyBody(payload: unknown): string {
  if (payload === null || typeof payload !== 'object' || !Object.isFrozen(payload)) return JSON.stringify(payload);
  let text = serialised.get(payload);
  if (text === undefined) {
    text = JSON.stringify(payload);
    serialised.set(payload, text);
  }
  return text;
}

/**
 * The tags of the last few string bodies sent. The same answer to many callers is the same string
 * (serializeReplyBody), so its SHA-1 is taken once: comparing a string with itself costs nothing,
 * and with another of the same length no more than reading it, a small part of hashing it.
 */
const RECENT_TAGS = 4;
/** Larger bodies are hashed every time rather than kept alive for a comparison. */
const RECENT_TAG_MAX_LENGTH = 64 * 1024;
const recentTags: Array<{ body: string; tag: string }> = [];
function stringETag(body: string): string {
  if (body.length > RECENT_TAG_MAX_LENGTH) return weakETag(body);
  for (const recent of recentTags) if (recent.body === body) return recent.tag;
  const tag = weakETag(body);
  if (recentTags.unshift({ body, tag }) > RECENT_TAGS) recentTags.pop();
  return tag;
}

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
    tag = typeof payload === 'string' ? stringETag(payload) : weakETag(payload);
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

import { BadRequestException, Inject, MiddlewareConsumer, Module, NestModule, RequestMethod, UnsupportedMediaTypeException } from '@nestjs/common';
import { json } from 'body-parser';
import type { ServerResponse } from 'http';
import { isUtf8 } from 'buffer';
import type { Redis } from 'ioredis';
import { hasLoneSurrogate } from '@porter/shared-kernel';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { authenticate, AuthenticatedRequest } from '../auth/auth.guard';
import { REDIS_CLIENT } from '../queue/queue.module';
import { RateLimiter } from './rate-limit';
import { TokenVerifier } from '../auth/token-verifier';
import { hasRequestBody, isJsonType, isMultipartType } from './content-type';

const API_ROUTES = [{ path: 'api/v1/{*path}', method: RequestMethod.ALL }];
const ADMIN_ROUTES = [{ path: 'admin/{*path}', method: RequestMethod.ALL }];

type Next = (error?: unknown) => void;

/**
 * The request pipeline before controllers, as Nest middleware (run by @fastify/middie in Fastify's
 * onRequest stage, on Node's request and response, before Fastify reads a body) so that it runs
 * after the request logger (every request, refused ones included, is logged with its id) and so that what it
 * throws goes through the problem+json filter:
 * 1. authentication of the whole API surface before routing: an unknown /api/v1 path without a
 *    token is 401, not 404, so unauthenticated callers learn nothing about what exists;
 * 2. rate limits per client address and per tenant (Redis-backed, shared by every API process;
 *    RATE_LIMIT_*), before the body is read: a flood costs a counter, not a parse;
 * 3. a body must be JSON (or multipart on upload routes; see ContentTypeGuard), else 415;
 * 4. JSON parsing with a size limit: malformed → 400, too large → 413. body-parser reads the body
 *    here (Fastify's own parsers are removed, see configureHttpApp), so every refusal keeps its
 *    order and its words, and an upload's multipart body is left unread for busboy.
 * Health, metrics, the API docs and the console's static files are outside /api/v1: not limited.
 */
@Module({})
export class HttpPipelineModule implements NestModule {
  constructor(
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    // `verify` sees the body's bytes before they are decoded: bytes that are not UTF-8 would become
    // U+FFFD and be stored as such, so they are refused (400) instead.
    const parser = json({ limit: this.config.jsonBodyLimitBytes, type: ['application/json', 'application/*+json'], verify: refuseInvalidUtf8 });
    const limiter = this.config.rateLimitEnabled
      ? new RateLimiter(this.redis, this.config.queuePrefix, {
          windowMs: this.config.rateLimitWindowMs,
          perTenant: this.config.rateLimitPerTenant,
          perAddress: this.config.rateLimitPerAddress,
        })
      : null;
    // The steps of /api/v1 run in ONE middleware, in order: each middleware of its own was a
    // router layer and a Nest middleware proxy more per request (ADR 075).
    consumer
      .apply(async (req: AuthenticatedRequest, res: ServerResponse, next: Next) => {
        // NUL cannot be stored in Postgres text and has no business in a path or query: refuse it
        // at the edge (400) rather than let it reach SQL.
        if (/%00|\u0000/i.test(req.originalUrl ?? req.url ?? '')) throw new BadRequestException('The URL must not contain NUL characters');
        // A signed download link carries its own proof (HMAC signature and expiry, checked by the
        // exports module; ADR 044) instead of a bearer token.
        const address = req.socket.remoteAddress ?? 'unknown';
        if (!isSignedLinkRoute(req)) {
          try {
            req.principal = await authenticate(req.headers.authorization, this.verifier);
          } catch (refused) {
            // A request refused for its token counts against its address too: guessing tokens,
            // or a flood without one, meets the same 429 as any other.
            if (limiter) await limiter.check(address, null);
            throw refused;
          }
        }
        if (limiter) await limiter.check(address, req.principal?.tenant ?? null);
        if (hasRequestBody(req)) {
          const type = req.headers['content-type'] ?? '';
          if (!isJsonType(type) && !isMultipartType(type)) {
            throw new UnsupportedMediaTypeException(`Content-Type must be application/json (or multipart/form-data for uploads), got "${type || 'none'}"`);
          }
          // JSON is UTF-8 (RFC 8259): body-parser would also decode UTF-16 and read garbage.
          const charset = charsetOf(type);
          if (charset !== null && isJsonType(type) && !/^utf-?8$/i.test(charset)) {
            throw new UnsupportedMediaTypeException(`The request body must be UTF-8 encoded (got charset "${charset}")`);
          }
          // body-parser reports errors through its callback; they become a rejection, which Nest's
          // middleware proxy hands to the exception filters.
          await new Promise<void>((resolve, reject) => parser(req, res, (error?: unknown) => (error ? reject(error) : resolve())));
          if (req.body !== undefined) {
            const found: { key?: string } = {};
            const problem = inspectJson(req.body, found);
            // Every JSON body of this API is an object: an array would only meet each field's own rule.
            if (Array.isArray(req.body)) throw new BadRequestException('The request body must be a JSON object, not an array');
            if (problem === 'nul') throw new BadRequestException('Request body strings must not contain NUL characters');
            if (problem === 'surrogate') throw new BadRequestException('Request body strings must be valid Unicode: one holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape)');
            if (problem === 'reserved') throw new BadRequestException(`Request body property "${found.key}" is not allowed: it is the name of a built-in JavaScript object property`);
            if (problem === 'deep') throw new BadRequestException(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`);
            if (problem === 'wide') throw new BadRequestException(`Request body has an object with more than ${MAX_JSON_KEYS} properties`);
          }
        }
        next();
      })
      .forRoutes(...API_ROUTES);
    consumer
      .apply(async (req: AuthenticatedRequest, _res: ServerResponse, next: Next) => {
        req.principal = await authenticate(req.headers.authorization, this.verifier);
        next();
      })
      .forRoutes(...ADMIN_ROUTES);
  }
}

/**
 * GET (or HEAD) /api/v1/exports/{id}/file (a signed download link), matched on the request's path as the
 * router matches its routes (any case, an optional trailing slash), so a path that skips
 * authentication here is served by that route and no other.
 */
const SIGNED_LINK_PATH = /^\/api\/v1\/exports\/[^/]+\/file\/?$/i;

function isSignedLinkRoute(req: AuthenticatedRequest): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && SIGNED_LINK_PATH.test(requestPath(req));
}

/** The path the client asked for (@fastify/middie may cut `url` down to what follows a mount). */
function requestPath(req: AuthenticatedRequest): string {
  const url = req.originalUrl ?? req.url ?? '';
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** The `charset` parameter of a Content-Type, or null. */
export function charsetOf(contentType: string): string | null {
  return /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType)?.[1] ?? null;
}

/** body-parser's `verify`: a JSON body's bytes must be UTF-8 (a 400 problem otherwise). */
export function refuseInvalidUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw Object.assign(new Error('The request body is not valid UTF-8'), { status: 400, expose: true, type: 'entity.invalid.utf8' });
}

/** No request body of the API needs more; validation and class-transformer recurse, so depth is checked first. */
export const MAX_JSON_DEPTH = 32;

/**
 * No object of a request needs more properties (a filter set, an import mapping of a file's
 * headers). class-transformer's cost grows faster than the property count: 60,000 unknown filters
 * in a 650 KB body held the API's event loop for 7 s and answered a 4 MB list of errors.
 */
export const MAX_JSON_KEYS = 1000;

/**
 * Property names that class-transformer skips without a word (they shadow what every JavaScript
 * object inherits), so that `{"filters": {"toString": "x"}}` would become an unfiltered export
 * instead of the 400 an unknown property gets: refused by name instead.
 */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

/**
 * Walks a parsed JSON body without recursion (a body nested thousands deep must not overflow the
 * stack here, as it would in the validation pipe): NUL or a lone surrogate in a key or string,
 * nesting past MAX_JSON_DEPTH, an object with more than MAX_JSON_KEYS properties, or a property
 * named like a built-in one (RESERVED_KEYS; its name goes to `found.key`).
 */
export function inspectJson(body: unknown, found: { key?: string } = {}): 'nul' | 'surrogate' | 'deep' | 'wide' | 'reserved' | null {
  const stack: Array<[unknown, number]> = [[body, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'nul';
      if (hasLoneSurrogate(value)) return 'surrogate';
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return 'deep';
    const entries = Object.entries(value);
    if (!Array.isArray(value) && entries.length > MAX_JSON_KEYS) return 'wide';
    for (const [key, item] of entries) {
      if (key.includes('\u0000')) return 'nul';
      if (hasLoneSurrogate(key)) return 'surrogate';
      if (!Array.isArray(value) && RESERVED_KEYS.has(key)) {
        found.key = key;
        return 'reserved';
      }
      stack.push([item, depth + 1]);
    }
  }
  return null;
}

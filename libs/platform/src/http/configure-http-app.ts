import { IncomingMessage, Server, ServerResponse } from 'http';
import * as querystring from 'querystring';
import type { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyHttpOptions, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { httpMetricsHook } from '../metrics/metrics';
import { requestIdOf } from '../logging/logging.module';
import { clientErrorAsProblem } from './client-errors';
import { etagOnSend, serializeReplyBody } from './etag';
import { problem, sendProblem } from './problem';
import { describeCommonAnswers, markPublicOperations } from './openapi-document';

/**
 * Fastify's options for the API. What clients see stays what it was on Express:
 * - routes match in any case and with or without a trailing slash, and a parameter may be of any
 *   length (find-my-way's default cut it at 100 characters);
 * - query strings are parsed the "simple" way (Node's querystring: `a[b]=c` is the key `a[b]`,
 *   a repeated key an array);
 * - the request id is the one requestIdOf gives (X-Request-Id when sane), kept on Node's request
 *   too, where the request logger and the Nest middleware find it;
 * - Node's timeouts and keep-alive (Fastify's defaults differ), no 503 to requests that arrive on
 *   an open connection while the server closes;
 * - what Node's HTTP parser refuses is answered as problem+json (clientErrorAsProblem), and a
 *   path with a malformed %-escape, which find-my-way refuses before any hook, too (400).
 */
export function porterFastifyOptions(options: { onMalformedPath?: MalformedPathHandler } = {}): FastifyHttpOptions<Server> {
  return {
    // nestjs-pino's request logger logs requests; Fastify's own logger stays off.
    logger: false,
    trustProxy: false,
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: 65_535,
      querystringParser: (text: string) => querystring.parse(text),
    },
    genReqId: (req: IncomingMessage & { id?: unknown }) => (req.id = requestIdOf(req)),
    // Node refuses an HTTP/1.1 request without a Host header itself, with an empty 400; Porter
    // refuses it in its first hook instead, as problem+json (missingHostProblem).
    http: { requireHostHeader: false },
    keepAliveTimeout: 5_000,
    requestTimeout: 300_000,
    return503OnClosing: false,
    clientErrorHandler: clientErrorAsProblem,
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      setSecurityHeaders(reply.raw);
      if (error.code === 'FST_ERR_BAD_URL' && options.onMalformedPath?.(request, reply)) return;
      frameworkError(error, request, reply);
    },
  };
}

/**
 * Answers a request whose path find-my-way could not decode, before any hook or route (true), or
 * leaves it to the 400 problem (false): what was served before express' router decoded anything
 * (the console's page) is served still.
 */
export type MalformedPathHandler = (request: FastifyRequest, reply: FastifyReply) => boolean;

/** Fastify's own refusals before any hook ran: a malformed %-escape in the path (and, should it happen, an over-long parameter). */
function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const url = request.raw.url ?? '';
  const path = url.split('?')[0];
  const body =
    error.code === 'FST_ERR_BAD_URL'
      ? // The words express' router used: the first path segment that does not decode.
        problem(400, `Failed to decode param '${path.split('/').find((segment) => !decodes(segment)) ?? path}'`)
      : problem(error.statusCode ?? 400, error.message);
  sendProblem(reply, { ...body, instance: path, requestId: String(request.id) });
}

function decodes(segment: string): boolean {
  try {
    decodeURIComponent(segment);
    return true;
  } catch {
    return false;
  }
}

/**
 * helmet's defaults on every answer (API, docs, console), whose CSP (scripts from 'self' only) the
 * docs and the console work under. With its default options helmet sets the same 12 headers on
 * every answer whatever the request (no nonce, no function directive): they are learnt once, by
 * running helmet against a recording response, and set from that list. helmet's own chain of
 * 13 middlewares, each calling the next, cost about 4 % of the API's CPU on a cheap read (ADR 100).
 */
export const SECURITY_HEADERS = recordHeaders(helmet());

function recordHeaders(middleware: (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void): {
  set: ReadonlyArray<readonly [string, string]>;
  remove: readonly string[];
} {
  const set: Array<readonly [string, string]> = [];
  const remove: string[] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => void set.push([name, String(value)]),
    removeHeader: (name: string) => void remove.push(name),
  };
  let finished = false;
  middleware({ headers: {} } as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  // A helmet whose options made it depend on the request, or finish later, would be misread here.
  if (!finished || set.length === 0) throw new Error('helmet did not set its headers synchronously');
  return { set, remove };
}

/** Sets helmet's headers (SECURITY_HEADERS) on an answer. */
export function setSecurityHeaders(response: ServerResponse): void {
  for (const [name, value] of SECURITY_HEADERS.set) response.setHeader(name, value);
  for (const name of SECURITY_HEADERS.remove) response.removeHeader(name);
}

/**
 * Fastify-level setup: security headers, request metrics, ETags, no body parsing of Fastify's
 * own, OpenAPI. Authentication, media-type checks and JSON parsing are Nest middleware
 * (HttpPipelineModule); unknown routes and errors outside Nest's routes reach Nest's not-found and
 * error handlers, and so ProblemDetailsFilter.
 */
export function configureHttpApp(app: NestFastifyApplication): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  const adapter = app.getHttpAdapter() as FastifyAdapter;
  const fastify = adapter.getInstance();
  // The adapter's first onRequest hook, before @fastify/middie runs any Nest middleware: an answer
  // a middleware gives (a 401) carries the headers too.
  adapter.setOnRequestHook((request, reply, done) => {
    setSecurityHeaders(reply.raw);
    if (request.raw.httpVersion === '1.1' && request.raw.headers.host === undefined) {
      // Answered here, without calling done: no route runs (RFC 9112 section 3.2: a 400).
      sendProblem(reply, { ...problem(400, 'An HTTP/1.1 request must have a Host header'), instance: (request.raw.url ?? '').split('?')[0], requestId: String(request.id) });
      return;
    }
    done();
  });
  fastify.addHook('onResponse', httpMetricsHook());
  fastify.addHook('onSend', etagOnSend);
  fastify.setReplySerializer(serializeReplyBody);
  // Bodies are read by the /api/v1 middleware (JSON, with its limits and refusals) or by the
  // upload handlers themselves (multipart, streamed to storage with busboy): Fastify reads none.
  // Its catch-all parser hands on what the middleware parsed and leaves the stream untouched.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (request: FastifyRequest, _payload: IncomingMessage, done: (error: null, body?: unknown) => void) => {
    done(null, (request.raw as { body?: unknown }).body);
  });

  // Loaded here, not at the top: only the API serves the document, and workers import this module
  // through @porter/platform without needing @nestjs/swagger (about 7 MB of resident memory).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ApiExtension, DocumentBuilder, SwaggerModule } = require('@nestjs/swagger') as typeof import('@nestjs/swagger');
  markPublicOperations(app, ApiExtension);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Porter')
      .setDescription('Asynchronous import/export jobs: job queue, exports, imports. Errors are RFC 9457 problem+json.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  useMultipartVariants(document);
  describeCommonAnswers(document);
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}

/**
 * An operation that takes JSON or, to add files, multipart (`@ApiExtension(MULTIPART_BODY_EXTENSION,
 * { schema, encoding })`): the decorators can give one body schema for every media type, so the
 * multipart one is put in place here.
 */
export const MULTIPART_BODY_EXTENSION = 'x-porter-multipart-body';

type Operation = { [MULTIPART_BODY_EXTENSION]?: unknown; requestBody?: { content: Record<string, unknown> } };

function useMultipartVariants(document: { paths: object }): void {
  for (const item of Object.values(document.paths) as Array<Record<string, Operation | undefined>>) {
    for (const operation of Object.values(item)) {
      const variant = operation?.[MULTIPART_BODY_EXTENSION];
      if (!operation || !variant) continue;
      delete operation[MULTIPART_BODY_EXTENSION];
      (operation.requestBody ??= { content: {} }).content['multipart/form-data'] = variant;
    }
  }
}

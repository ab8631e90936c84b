import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { IncomingMessage } from 'http';
import type { FastifyRequest } from 'fastify';
import { PorterError, TooManyRequestsError } from '@porter/shared-kernel';
import { HttpResponse, Problem, problem, sendProblem } from './problem';
import { isUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from './unavailable';

const STATUS_BY_KIND: Record<PorterError['kind'], number> = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_media_type: 415,
  validation: 422,
  too_many_requests: 429,
};

export function toProblem(error: unknown): Problem | null {
  if (error instanceof TooManyRequestsError) {
    return { ...problem(429, error.message), retryAfterSeconds: error.retryAfterSeconds };
  }
  if (error instanceof PorterError) {
    return problem(STATUS_BY_KIND[error.kind], error.message, error.errors);
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    if (typeof response === 'object' && response && 'errors' in response) {
      const r = response as { message?: string; errors?: Problem['errors'] };
      return problem(status, r.message, r.errors);
    }
    const message = typeof response === 'string' ? response : (response as { message?: string | string[] }).message;
    return problem(status, Array.isArray(message) ? message.join('; ') : message ?? error.message);
  }
  // Safety net: a Postgres "data exception" (SQLSTATE class 22: invalid text representation,
  // value out of range, bad datetime, NUL byte...) is bad input that slipped past validation.
  const sqlState = (error as { code?: unknown })?.code;
  if (typeof sqlState === 'string' && /^22[0-9A-Z]{3}$/.test(sqlState) && (error as { severity?: unknown }).severity) {
    return problem(400, 'A value in the request is not valid for its field');
  }
  // Lost a race in Postgres (deadlock victim, serialization failure): the statement or its
  // transaction rolled back, so nothing was changed; the same request again will go through.
  if (isConcurrencyConflict(error)) {
    return problem(409, 'The request conflicted with a concurrent change of the same data and was rolled back; nothing was changed. Retry it.');
  }
  // A dependency that could not be reached: transient, retry later (the handler's transaction,
  // if any, rolled back, so nothing was half-created).
  if (isUnavailable(error)) {
    return { ...problem(503, 'A service Porter depends on is unavailable right now; nothing was changed. Retry later.'), retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS };
  }
  // Errors from body-parser and other http-errors style libraries carry a 4xx status.
  const status = (error as { status?: number; statusCode?: number })?.status ?? (error as { statusCode?: number })?.statusCode;
  const expose = (error as { expose?: boolean })?.expose;
  if (typeof status === 'number' && status >= 400 && status < 500 && expose !== false) {
    return problem(status, bodyParserDetail(error as { type?: string; message: string }));
  }
  return null;
}

/** Postgres' deadlock_detected (40P01) and serialization_failure (40001). */
export function isConcurrencyConflict(error: unknown): boolean {
  const sqlState = (error as { code?: unknown })?.code;
  return (sqlState === '40P01' || sqlState === '40001') && Boolean((error as { severity?: unknown }).severity);
}

function bodyParserDetail(error: { type?: string; message: string; body?: unknown; encoding?: unknown; charset?: unknown }): string {
  switch (error.type) {
    case 'entity.parse.failed': {
      // Valid JSON that is not an object or array (`null`, `"x"`, `3`): body-parser's strict mode refuses it.
      const kind = jsonScalarKind(error.body);
      return kind ? `The request body must be a JSON object, not ${kind}` : 'The request body is not valid JSON';
    }
    case 'entity.too.large':
      return 'The request body is larger than the configured limit';
    case 'encoding.unsupported':
      return `Content-Encoding "${String(error.encoding ?? '')}" is not supported (send identity, gzip, deflate or br)`;
    case 'charset.unsupported':
      return `The request body must be UTF-8 encoded (got charset "${String(error.charset ?? '')}")`;
    default:
      return error.message;
  }
}

/** `null`, `a string`, `a number`, `a boolean` for a body that is such a JSON value; null otherwise. */
function jsonScalarKind(body: unknown): string | null {
  if (typeof body !== 'string') return null;
  try {
    const value: unknown = JSON.parse(body);
    if (value === null) return 'null';
    return typeof value === 'object' ? null : `a ${typeof value}`;
  } catch {
    return null;
  }
}

/**
 * Every error leaves as application/problem+json. Known errors map to their 4xx; anything else
 * is logged with the request id and returned as a bare 500 that reveals nothing internal.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(error: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw error;
    const ctx = host.switchToHttp();
    // A Fastify request inside a route (or Fastify's error and not-found handlers); Node's request
    // inside a Nest middleware (run by @fastify/middie). Both carry the request id (genReqId).
    const req = ctx.getRequest<FastifyRequest | RawRequest>();
    const res = ctx.getResponse<HttpResponse>();
    const { id, url } = requestIdentity(req);
    // A lost race is answered 409, but it names a lock order or a hot row worth fixing: logged.
    if (isConcurrencyConflict(error)) this.logger.warn({ err: error, requestId: id, path: url }, 'Request lost a race in Postgres (answered 409)');
    const body = toProblem(error) ?? internalError(this.logger, error, req);
    sendProblem(res, { ...body, instance: url?.split('?')[0], requestId: id ? String(id) : undefined });
  }
}

type RawRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

/** The request id and the URL as the client sent it (@fastify/middie may have cut `url` down to a mount's remainder). */
export function requestIdentity(req: FastifyRequest | RawRequest): { id: unknown; url: string | undefined } {
  const raw: RawRequest = 'raw' in req ? (req.raw as RawRequest) : req;
  return { id: 'raw' in req ? req.id : raw.id, url: raw.originalUrl ?? raw.url };
}

export function internalError(logger: Logger, error: unknown, req: FastifyRequest | RawRequest): Problem {
  const { id, url } = requestIdentity(req);
  logger.error({ err: error, requestId: id, path: url }, 'Unhandled error');
  return problem(500, 'An unexpected error occurred. Quote the request id when reporting it.');
}

import type { ServerResponse } from 'http';
import type { FastifyReply } from 'fastify';
import type { FieldError } from '@porter/shared-kernel';
import { weakETag } from './etag';

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: FieldError[];
  requestId?: string;
  /** Sent as the Retry-After header (not in the body). */
  retryAfterSeconds?: number;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, detail?: string, errors?: FieldError[]): Problem {
  const title = TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
  return {
    type: status === 500 ? 'about:blank' : `https://porter.dev/problems/${title.toLowerCase().replace(/[^a-z]+/g, '-')}`,
    title,
    status,
    ...(detail ? { detail } : {}),
    ...(errors && errors.length ? { errors } : {}),
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** A Fastify reply, or the bare Node response a Nest middleware (run by @fastify/middie) is given. */
export type HttpResponse = FastifyReply | ServerResponse;

export const isFastifyReply = (res: HttpResponse): res is FastifyReply => 'raw' in res && typeof (res as FastifyReply).code === 'function';

/**
 * Sends a problem as application/problem+json. Through the reply when there is one (its onSend
 * hooks add the ETag, as for every answer); a Nest middleware that failed only has Node's response,
 * which gets the same headers written by hand.
 */
export function sendProblem(res: HttpResponse, body: Problem): void {
  const raw = isFastifyReply(res) ? res.raw : res;
  if (raw.headersSent || raw.writableEnded) {
    raw.destroy();
    return;
  }
  const { retryAfterSeconds, ...rest } = body;
  const text = JSON.stringify(rest);
  if (isFastifyReply(res)) {
    if (retryAfterSeconds !== undefined) res.header('Retry-After', String(retryAfterSeconds));
    // Set here too: a reply made before routing (a malformed path) runs no onSend hook.
    if (!res.hasHeader('etag')) res.header('ETag', weakETag(text));
    void res.code(body.status).type(PROBLEM_CONTENT_TYPE).send(text);
    return;
  }
  if (retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(retryAfterSeconds));
  res.statusCode = body.status;
  res.setHeader('Content-Type', PROBLEM_CONTENT_TYPE);
  res.setHeader('Content-Length', String(Buffer.byteLength(text)));
  res.setHeader('ETag', weakETag(text));
  res.end(res.req?.method === 'HEAD' ? undefined : text);
}

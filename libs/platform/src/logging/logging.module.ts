import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'crypto';
import type { IncomingMessage, ServerResponse } from 'http';
import { stdSerializers } from 'pino';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { traceLogFields } from '../tracing/trace-context';
import { tracingActive } from '../tracing/tracing-state';

/**
 * The id of an HTTP request: the one already given to it, else X-Request-Id when sane, else a new
 * UUID. Fastify assigns it (genReqId, porterFastifyOptions) before any routing, so errors raised
 * outside Nest (a malformed path) carry it too, and keeps it on Node's request, where the request
 * logger reuses it.
 */
export function requestIdOf(req: IncomingMessage & { id?: unknown }): string {
  if (typeof req.id === 'string' && req.id) return req.id;
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
}

/**
 * What a log line says of a request: an allowlist. The whole header set (pino's default, with the
 * credentials redacted) was serialized, redacted and stringified for every request, ~6 % of the
 * API's CPU on a job read, and an allowlist cannot leak a credential header it was not told of.
 */
export function requestLogFields(req: IncomingMessage & { id?: unknown; originalUrl?: string }): Record<string, unknown> {
  const url = req.originalUrl ?? req.url ?? '';
  // A signed download link's signature is a credential too (ADR 044): the line keeps the rest.
  const logged = url.includes('sig=') ? url.replace(SIGNATURE_PARAMETER, '$1[redacted]') : url;
  const fields: Record<string, unknown> = { id: req.id, method: req.method, url: logged, remoteAddress: req.socket?.remoteAddress };
  for (const header of LOGGED_REQUEST_HEADERS) {
    const value = req.headers[header];
    if (value !== undefined) fields[header] = value;
  }
  return fields;
}

const SIGNATURE_PARAMETER = /([?&]sig=)[^&#]*/g;
const LOGGED_REQUEST_HEADERS = ['user-agent', 'content-type', 'content-length'] as const;

/** What a log line says of a response: its status and, when set, its length. */
export function responseLogFields(res: ServerResponse): Record<string, unknown> {
  const length = res.getHeader('content-length');
  return length === undefined ? { statusCode: res.statusCode } : { statusCode: res.statusCode, contentLength: Number(length) };
}

/** Health and metrics requests are not logged (probes and scrapes every few seconds). */
const isUnlogged = (url: string): boolean => url === '/metrics' || url.startsWith('/api/health');

/** Structured JSON logs; each HTTP request gets an id (taken from X-Request-Id when sane). */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [PORTER_CONFIG],
      useFactory: (config: PorterConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          base: { service: 'porter', pid: process.pid },
          // Each line written inside a traced span carries its traceId and spanId (ADR 049).
          ...(tracingActive() ? { mixin: traceLogFields } : {}),
          genReqId: requestIdOf,
          // Our serializers take the raw request and response (no pino-std-serializers pass first).
          wrapSerializers: false,
          serializers: { req: requestLogFields, res: responseLogFields, err: stdSerializers.err },
          autoLogging: { ignore: (req: IncomingMessage & { originalUrl?: string }) => isUnlogged(req.originalUrl ?? req.url ?? '') },
          customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
        },
      }),
    }),
  ],
  exports: [LoggerModule],
})
export class LoggingModule {}

import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'crypto';
import type { IncomingMessage } from 'http';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { traceLogFields } from '../tracing/trace-context';
import { tracingActive } from '../tracing/tracing-state';

/**
 * The id of an HTTP request: the one already given to it, else X-Request-Id when sane, else a new
 * UUID. configureHttpApp assigns it before any routing (so errors raised by express' router,
 * outside Nest, carry it too) and the request logger reuses it.
 */
export function requestIdOf(req: IncomingMessage & { id?: unknown }): string {
  if (typeof req.id === 'string' && req.id) return req.id;
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
}

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
          redact: ['req.headers.authorization', 'req.headers.cookie'],
          autoLogging: { ignore: (req: IncomingMessage) => req.url === '/metrics' || (req.url ?? '').startsWith('/api/health') },
          customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
        },
      }),
    }),
  ],
  exports: [LoggerModule],
})
export class LoggingModule {}

import { Global, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'crypto';
import type { IncomingMessage } from 'http';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';

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
          genReqId: (req: IncomingMessage) => {
            const given = req.headers['x-request-id'];
            return typeof given === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
          },
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

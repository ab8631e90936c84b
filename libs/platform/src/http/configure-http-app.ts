import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { json, NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { PorterConfig } from '../config/porter-config';
import { httpMetricsMiddleware } from '../metrics/metrics';
import { toProblem, internalError } from './problem-details.filter';
import { problem, sendProblem } from './problem';
import { Logger as NestLogger } from '@nestjs/common';
import { authenticate, AuthenticatedRequest } from '../auth/auth.guard';

/**
 * Express-level setup that must run before Nest's router: our own JSON parser (so parse errors,
 * oversized bodies and bad charsets become problem+json 400/413/415 instead of Nest defaults),
 * request metrics, OpenAPI, and a problem+json 404 for unknown routes.
 */
export function configureHttpApp(app: NestExpressApplication, config: PorterConfig): void {
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  app.use(httpMetricsMiddleware());
  // Authenticate the whole API surface before routing, so an unknown /api/v1 path without a
  // token is 401 (not 404): unauthenticated callers learn nothing about what exists.
  app.use(['/api/v1', '/admin'], (req: AuthenticatedRequest, _res: Response, next: NextFunction) => {
    try {
      req.principal = authenticate(req.headers.authorization, config.authJwtSecret);
      next();
    } catch (error) {
      next(error);
    }
  });
  app.use(json({ limit: config.jsonBodyLimitBytes, type: ['application/json', 'application/*+json'] }));
  const logger = new NestLogger('Http');
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!error) return next();
    sendProblem(res, toProblem(error) ?? internalError(logger, error, req));
  });

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
  SwaggerModule.setup('api/docs', app as INestApplication, document, { jsonDocumentUrl: 'api/docs-json' });
  app.enableShutdownHooks();
}

/** Answers unknown routes with problem+json 404 (registered after all controllers). */
export function notFoundHandler() {
  return (req: Request, res: Response) => sendProblem(res, { ...problem(404, `No route for ${req.method} ${req.path}`), instance: req.path });
}

import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { httpMetricsMiddleware } from '../metrics/metrics';
import { requestIdOf } from '../logging/logging.module';
import { toProblem, internalError } from './problem-details.filter';
import { problem, sendProblem } from './problem';
import { Logger as NestLogger } from '@nestjs/common';

/**
 * Express-level setup: request metrics, a last-resort problem+json error handler, OpenAPI.
 * Authentication, media-type checks and JSON parsing are Nest middleware (HttpPipelineModule).
 */
export function configureHttpApp(app: NestExpressApplication): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.disable('x-powered-by');
  // Security headers on every answer (API, docs, console): helmet's defaults, whose
  // Content-Security-Policy (scripts from 'self' only) the docs and the console work under.
  app.use(helmet());
  app.set('trust proxy', false);
  app.set('query parser', 'simple');
  // Before any route matching: express' router can fail a request (a malformed %-escape in a
  // path parameter) before Nest's middleware runs, and that problem needs its request id too.
  app.use((req: Request & { id?: unknown }, _res: Response, next: NextFunction) => {
    req.id = requestIdOf(req);
    next();
  });
  app.use(httpMetricsMiddleware());

  // Loaded here, not at the top: only the API serves the document, and workers import this module
  // through @porter/platform without needing @nestjs/swagger (about 7 MB of resident memory).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DocumentBuilder, SwaggerModule } = require('@nestjs/swagger') as typeof import('@nestjs/swagger');
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
  SwaggerModule.setup('api/docs', app as INestApplication, document, { jsonDocumentUrl: 'api/docs-json' });
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

/**
 * Registered after all routes: unknown routes get a problem+json 404, and errors that reached
 * express' error chain (outside Nest's filters) still leave as problem+json.
 */
export function finalHandlers(app: NestExpressApplication): void {
  const logger = new NestLogger('Http');
  app.use(notFoundHandler());
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendProblem(res, { ...(toProblem(error) ?? internalError(logger, error, req)), ...whereAndWho(req) });
  });
}

/** Answers unknown routes with problem+json 404 (registered after all controllers). */
export function notFoundHandler() {
  return (req: Request, res: Response) => sendProblem(res, { ...problem(404, `No route for ${req.method} ${req.path}`), ...whereAndWho(req) });
}

/** The same `instance` and `requestId` ProblemDetailsFilter gives errors inside Nest. */
function whereAndWho(req: Request & { id?: unknown }): { instance?: string; requestId?: string } {
  return { instance: req.originalUrl?.split('?')[0], requestId: req.id === undefined ? undefined : String(req.id) };
}

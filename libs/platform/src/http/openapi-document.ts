import type { INestApplication } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { ApiExtension as ApiExtensionDecorator } from '@nestjs/swagger';
import { isPublicRoute } from '../auth/auth.guard';

/**
 * What every operation of the document answers besides its own answers, put in once here rather
 * than repeated on each controller (configureHttpApp runs these after SwaggerModule.createDocument):
 * - an operation of a @Public() route needs no token: `security: []` (the document's global
 *   requirement is the bearer token); every other one documents 401;
 * - an operation that takes a body documents 415 (the /api/v1 pipeline and ContentTypeGuard refuse
 *   another Content-Type), and one that takes JSON 413 (body-parser's size limit);
 * - every /api/v1 operation documents 429 with Retry-After: the rate limits (RATE_LIMIT_*, per
 *   client address and per tenant) count every /api/v1 request, the signed download link's too.
 * An answer an operation already declares for one of these statuses keeps its description.
 */

/** The extension markPublicOperations puts on a public operation (removed again by describeCommonAnswers). */
export const PUBLIC_OPERATION_EXTENSION = 'x-porter-public';

/** The problem+json schema ApiProblems (apps/api) registers: every problem answer's body. */
export const PROBLEM_SCHEMA = 'ProblemDto';

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const RETRY_AFTER_HEADER = { description: 'seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } };

type Response = { description: string; headers?: Record<string, unknown>; content?: Record<string, unknown> };
type Operation = {
  [PUBLIC_OPERATION_EXTENSION]?: unknown;
  security?: unknown[];
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, Response>;
};
type Document = { paths: object; components?: { schemas?: Record<string, unknown> } };

/**
 * Marks every route handler that is public (isPublicRoute: @Public() on it or on its controller,
 * as JwtAuthGuard decides) with PUBLIC_OPERATION_EXTENSION, for describeCommonAnswers to find in
 * the document. Run before SwaggerModule.createDocument; `ApiExtension` is @nestjs/swagger's (loaded
 * by the caller, only in the API).
 */
export function markPublicOperations(app: INestApplication, ApiExtension: typeof ApiExtensionDecorator): void {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (Function & { prototype: Record<string, unknown> }) | null;
      if (!controller?.prototype) continue;
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (typeof handler !== 'function' || !isPublicRoute(reflector, handler, controller)) continue;
        ApiExtension(PUBLIC_OPERATION_EXTENSION, true)(controller.prototype, name, { value: handler });
      }
    }
  }
}

/** Adds the answers every operation shares (see above) and `security: []` to public ones; sorts each operation's answers by status. */
export function describeCommonAnswers(document: Document): void {
  const problem = () => {
    if (!document.components?.schemas?.[PROBLEM_SCHEMA]) throw new Error(`The OpenAPI document has no ${PROBLEM_SCHEMA} schema for its problem answers`);
    return { 'application/problem+json': { schema: { $ref: `#/components/schemas/${PROBLEM_SCHEMA}` } } };
  };
  for (const [path, item] of Object.entries(document.paths) as Array<[string, Record<string, Operation>]>) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.has(method) || !operation) continue;
      const responses = (operation.responses ??= {});
      const add = (status: number, description: string): Response => {
        const response = (responses[String(status)] ??= { description });
        response.content ??= problem();
        return response;
      };
      if (operation[PUBLIC_OPERATION_EXTENSION]) {
        delete operation[PUBLIC_OPERATION_EXTENSION];
        operation.security = [];
      } else {
        add(401, 'no bearer token, or one that is invalid or expired');
      }
      const media = Object.keys(operation.requestBody?.content ?? {});
      const json = media.includes('application/json');
      if (media.length) add(415, `a Content-Type other than ${media.join(' or ')}${json ? ', or JSON in a charset other than UTF-8' : ''}`);
      if (json) add(413, path.startsWith('/api/v1/') ? 'the JSON body is larger than JSON_BODY_LIMIT_BYTES' : 'the JSON body is too large');
      if (path.startsWith('/api/v1/')) {
        const tooMany = add(429, 'a rate limit (requests per client address or per tenant and window, RATE_LIMIT_*) is reached');
        tooMany.headers = { 'Retry-After': RETRY_AFTER_HEADER, ...tooMany.headers };
      }
      operation.responses = Object.fromEntries(Object.entries(responses).sort(([a], [b]) => byStatus(a) - byStatus(b)));
    }
  }
}

/** Numeric statuses in order, then ranges (`4XX`) and `default`. */
function byStatus(status: string): number {
  return /^\d+$/.test(status) ? Number(status) : status === 'default' ? 1000 : 999;
}

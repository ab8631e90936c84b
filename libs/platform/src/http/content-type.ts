import { CanActivate, ExecutionContext, Injectable, SetMetadata, UnsupportedMediaTypeException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingHttpHeaders } from 'http';

const ACCEPTS_MULTIPART = 'porter:acceptsMultipart';

/**
 * Marks an upload route: it takes multipart/form-data instead of JSON, or, with `orJson`, as
 * well as JSON (a JSON request whose multipart variant adds files, like POST /exports).
 */
export const AcceptsMultipart = (options: { orJson?: boolean } = {}) => SetMetadata(ACCEPTS_MULTIPART, options.orJson ? 'or-json' : true);

/** `application/json` or any `application/…+json`, with or without parameters. */
export const isJsonType = (type: string): boolean => /^application\/([a-z0-9.+-]+\+)?json\b/i.test(type);
export const isMultipartType = (type: string): boolean => /^multipart\/form-data\b/i.test(type);

/** Whether a request carries a body (a positive Content-Length, or a chunked one). */
export const hasRequestBody = (req: { headers: IncomingHttpHeaders }): boolean =>
  Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;

/**
 * A request that carries a body must say it is JSON (or multipart on upload routes);
 * anything else is 415 rather than an empty body that fails later in confusing ways.
 *
 * A guard (after the authentication guard), not an interceptor: it only checks the request. With
 * no interceptor at all, Nest calls each handler directly instead of through its RxJS interceptor
 * chain, which binds two async resources per request (~8 % of the API's CPU on a job read).
 */
@Injectable()
export class ContentTypeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<{ headers: IncomingHttpHeaders }>();
      if (hasRequestBody(req)) {
        const type = req.headers['content-type'] ?? '';
        const multipart = this.reflector.getAllAndOverride<boolean | 'or-json'>(ACCEPTS_MULTIPART, [context.getHandler(), context.getClass()]);
        const isMultipart = isMultipartType(type);
        const ok = multipart === 'or-json' ? isMultipart || isJsonType(type) : multipart ? isMultipart : isJsonType(type);
        if (!ok) {
          const expected = multipart === 'or-json' ? 'application/json or multipart/form-data' : multipart ? 'multipart/form-data' : 'application/json';
          throw new UnsupportedMediaTypeException(`Content-Type must be ${expected}, got "${type || 'none'}"`);
        }
      }
    }
    return true;
  }
}

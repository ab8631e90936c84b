import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UnsupportedMediaTypeException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Observable } from 'rxjs';

const ACCEPTS_MULTIPART = 'porter:acceptsMultipart';

/** Marks an upload route: it takes multipart/form-data instead of JSON. */
export const AcceptsMultipart = () => SetMetadata(ACCEPTS_MULTIPART, true);

const isJson = (type: string) => /^application\/([a-z0-9.+-]+\+)?json\b/i.test(type);

/**
 * A request that carries a body must say it is JSON (or multipart on upload routes);
 * anything else is 415 rather than an empty body that fails later in confusing ways.
 */
@Injectable()
export class ContentTypeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if (hasBody) {
        const type = req.headers['content-type'] ?? '';
        const multipart = this.reflector.getAllAndOverride<boolean>(ACCEPTS_MULTIPART, [context.getHandler(), context.getClass()]);
        const ok = multipart ? /^multipart\/form-data\b/i.test(type) : isJson(type);
        if (!ok) {
          throw new UnsupportedMediaTypeException(
            `Content-Type must be ${multipart ? 'multipart/form-data' : 'application/json'}, got "${type || 'none'}"`,
          );
        }
      }
    }
    return next.handle();
  }
}

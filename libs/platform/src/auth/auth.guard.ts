import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'http';
import type { FastifyRequest } from 'fastify';
import { Principal } from '@porter/shared-kernel';
import { InvalidTokenError } from './jwt';
import { TokenVerifier } from './token-verifier';

const IS_PUBLIC = 'porter:isPublic';

/**
 * Marks a route (health, docs, metrics) as reachable without a token. The OpenAPI document reads
 * the same mark (isPublicRoute): such an operation gets `security: []` there (openapi-document.ts).
 */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Whether a handler of a controller was marked @Public(), on itself or on its class: what JwtAuthGuard and the OpenAPI document go by. */
export function isPublicRoute(reflector: Reflector, handler: Function, controller: Function): boolean {
  return reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, [handler, controller]) === true;
}

/**
 * Node's request as the /api/v1 and /admin middleware see it (@fastify/middie runs them on it): the
 * principal they authenticate is kept there, where the guard and @CurrentPrincipal() find it
 * through the Fastify request's `raw`.
 */
export interface AuthenticatedRequest extends IncomingMessage {
  principal?: Principal;
  originalUrl?: string;
  body?: unknown;
}

/** The request Node gave, whether Nest hands a Fastify request (routes, guards) or Node's own (middleware). */
export const rawRequestOf = (req: FastifyRequest | AuthenticatedRequest): AuthenticatedRequest =>
  ('raw' in req ? req.raw : req) as AuthenticatedRequest;

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    if (isPublicRoute(this.reflector, context.getHandler(), context.getClass())) return true;
    const request = rawRequestOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (request.principal) return true; // authenticated by the /api/v1 middleware
    request.principal = await authenticate(request.headers.authorization, this.verifier);
    return true;
  }
}

export async function authenticate(header: string | undefined, verifier: TokenVerifier): Promise<Principal> {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  if (!match) throw new UnauthorizedException('A bearer token is required (Authorization: Bearer <token>)');
  try {
    return await verifier.verify(match[1]);
  } catch (error) {
    // An identity provider that cannot be reached is an outage (503), not a bad token.
    if (!(error instanceof InvalidTokenError)) throw error;
    throw new UnauthorizedException(`Invalid token: ${error.message}`);
  }
}

/** The authenticated caller, for controllers to pass into commands and queries. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = rawRequestOf(ctx.switchToHttp().getRequest<FastifyRequest>()).principal;
  if (!principal) throw new UnauthorizedException('A bearer token is required');
  return principal;
});

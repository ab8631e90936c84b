import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, UnauthorizedException, createParamDecorator } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { Principal } from '@porter/shared-kernel';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { verifyToken } from './jwt';

const IS_PUBLIC = 'porter:isPublic';

/** Marks a route (health, docs, metrics) as reachable without a token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
}

/** Global guard: every route needs a valid bearer token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]);
    if (isPublic) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (request.principal) return true; // authenticated by the /api/v1 middleware
    request.principal = authenticate(request.headers.authorization, this.config.authJwtSecret);
    return true;
  }
}

export function authenticate(header: string | undefined, secret: string): Principal {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  if (!match) throw new UnauthorizedException('A bearer token is required (Authorization: Bearer <token>)');
  try {
    return verifyToken(match[1], secret);
  } catch (error) {
    throw new UnauthorizedException(`Invalid token: ${(error as Error).message}`);
  }
}

/** The authenticated caller, for controllers to pass into commands and queries. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedException('A bearer token is required');
  return principal;
});

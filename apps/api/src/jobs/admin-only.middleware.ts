import type { NextFunction, Response } from 'express';
import { authenticate, AuthenticatedRequest, loadConfig } from '@porter/platform';
import { ForbiddenError } from '@porter/shared-kernel';

/**
 * Guards the bull-board dashboard: it shows every tenant's queue messages and can act on them,
 * so only admins get in. The /admin bearer-token middleware normally ran already; authenticate
 * here too so the check never depends on middleware order.
 */
export function adminOnly(secret = loadConfig().authJwtSecret) {
  return (req: AuthenticatedRequest, _res: Response, next: NextFunction): void => {
    req.principal ??= authenticate(req.headers.authorization, secret);
    if (!req.principal.isAdmin) throw new ForbiddenError('The queue dashboard is for admins only');
    next();
  };
}

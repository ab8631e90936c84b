import type { NextFunction, Response } from 'express';
import { authenticate, AuthenticatedRequest, loadConfig } from '@porter/platform';
import { ForbiddenError } from '@porter/shared-kernel';

/**
 * Guards the bull-board dashboard. It shows every tenant's queue messages and can retry, promote
 * or remove them: it is a platform tool, not a tenant one, so a tenant admin (`admin`, which
 * only rules over its own tenant) is refused and only the `operator` role gets in. The /admin
 * bearer-token middleware normally ran already; authenticate here too so the check never
 * depends on middleware order.
 */
export function operatorOnly(secret = loadConfig().authJwtSecret) {
  return (req: AuthenticatedRequest, _res: Response, next: NextFunction): void => {
    req.principal ??= authenticate(req.headers.authorization, secret);
    if (!req.principal.isOperator) throw new ForbiddenError('The queue dashboard is for platform operators only (role "operator")');
    next();
  };
}

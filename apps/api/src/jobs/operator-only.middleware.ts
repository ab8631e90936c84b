import type { NextFunction, Response } from 'express';
import { authenticate, AuthenticatedRequest, loadConfig, TokenVerifier } from '@porter/platform';
import { ForbiddenError } from '@porter/shared-kernel';

/**
 * Guards the bull-board dashboard. It shows every tenant's queue messages and can retry, promote
 * or remove them: it is a platform tool, not a tenant one, so a tenant admin (`admin`, which
 * only rules over its own tenant) is refused and only the `operator` role gets in. The /admin
 * bearer-token middleware normally ran already; authenticate here too so the check never
 * depends on middleware order.
 */
export function operatorOnly(verifier = new TokenVerifier(loadConfig())) {
  return (req: AuthenticatedRequest, _res: Response, next: NextFunction): void => {
    (req.principal ? Promise.resolve(req.principal) : authenticate(req.headers.authorization, verifier)).then(
      (principal) => {
        req.principal = principal;
        if (!principal.isOperator) return next(new ForbiddenError('The queue dashboard is for platform operators only (role "operator")'));
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

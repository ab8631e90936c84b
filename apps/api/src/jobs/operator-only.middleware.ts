import type { NextFunction, Response } from 'express';
import { authenticate, AuthenticatedRequest, loadConfig, TokenVerifier } from '@porter/platform';
import { BadRequestError, ForbiddenError } from '@porter/shared-kernel';

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
        // The dashboard decodes its query itself and answered malformed percent-encoding
        // (`?activeQueue=%ZZ`) with a 500 of its own: refused here first.
        if (!isWellEncoded(req.originalUrl)) return next(new BadRequestError('The URL is not valid percent-encoding'));
        next();
      },
      (error: unknown) => next(error),
    );
  };
}

function isWellEncoded(url: string): boolean {
  try {
    decodeURIComponent(url);
    return true;
  } catch {
    return false;
  }
}

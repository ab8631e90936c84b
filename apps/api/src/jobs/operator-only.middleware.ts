import type { ServerResponse } from 'http';
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
  // Refusals are thrown (the returned promise rejects): Nest's middleware proxy hands them to the
  // problem+json filter. Passed to `next`, they would reach the error handler of bull-board's
  // Fastify plugin, which answers its own JSON.
  return async (req: AuthenticatedRequest, _res: ServerResponse, next: () => void): Promise<void> => {
    const principal = req.principal ?? (await authenticate(req.headers.authorization, verifier));
    req.principal = principal;
    if (!principal.isOperator) throw new ForbiddenError('The queue dashboard is for platform operators only (role "operator")');
    // The dashboard decodes its query itself and answered malformed percent-encoding
    // (`?activeQueue=%ZZ`) with a 500 of its own: refused here first.
    if (!isWellEncoded(req.originalUrl ?? req.url ?? '')) throw new BadRequestError('The URL is not valid percent-encoding');
    next();
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

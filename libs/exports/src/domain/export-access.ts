import type { Principal } from '@porter/shared-kernel';

export type ExportScopeKind = 'global' | 'local';

/** The facts permission depends on, as stored with every export request and result. */
export interface ExportAccessFacts {
  tenant: string;
  scope: ExportScopeKind;
  scopeIds: readonly string[];
}

/**
 * Who may see (read, list, download) an export. Global exports cover the whole tenant: admins
 * only. Local exports cover their scopes: only a caller holding every one of them, admin or not.
 * The SQL filters in the repositories implement the same rule (kept beside it in ADR 021).
 */
export function maySee(principal: Principal, facts: ExportAccessFacts): boolean {
  if (principal.tenant !== facts.tenant) return false;
  if (facts.scope === 'global') return principal.isAdmin;
  return facts.scopeIds.length > 0 && principal.holdsAllScopes(facts.scopeIds);
}

/** Requesting follows the same rule as seeing: you may only create what you may read. */
export function whyMayNotRequest(principal: Principal, scope: ExportScopeKind, scopeIds: readonly string[]): string | null {
  if (scope === 'global') return principal.isAdmin ? null : 'global export types need the admin role';
  const missing = scopeIds.filter((id) => !principal.scopes.includes(id));
  return missing.length ? `the caller does not hold scope(s) ${missing.join(', ')}` : null;
}

/** Deleting needs to see it (else it is a 404), and to be its requester or an admin (else a 403). */
export function mayDelete(principal: Principal, facts: ExportAccessFacts & { requestedBy: string }): boolean {
  return maySee(principal, facts) && mayManage(principal, facts);
}

/**
 * Acting on an export one may see (delete it, send its `export.ready` again): its requester or a
 * tenant admin. A colleague holding the same scopes reads and downloads it, no more.
 */
export function mayManage(principal: Principal, facts: { requestedBy: string }): boolean {
  return principal.isAdmin || principal.userId === facts.requestedBy;
}

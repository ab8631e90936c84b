import { createHmac } from 'crypto';
import { identityTextProblem, MAX_TENANT_LENGTH, Principal, SYSTEM_USER_ID } from '@porter/shared-kernel';

/**
 * Tokens Porter signs itself (HS256, `npm run token`, tests) and the mapping of verified claims to
 * a Principal. Verification is jose's (token-verifier.ts).
 */
export class InvalidTokenError extends Error {}

export interface PorterClaims {
  sub: string;
  tenant: string;
  roles?: string[];
  scopes?: string[];
  /** `app` for a service account; absent or `user` for a person. */
  kind?: 'user' | 'app';
  /** Where "email me when it is ready" goes (OIDC's `email` claim). */
  email?: string;
  iat?: number;
  exp?: number;
  nbf?: number;
}

const ANY_LENGTH = Number.MAX_SAFE_INTEGER;

const b64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

export function signToken(claims: PorterClaims, secret: string, expiresInSeconds = 12 * 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iat: now, exp: now + expiresInSeconds, ...claims }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}


/** One address, no display name, no spaces or control characters (RFC 5321 sizes). */
const EMAIL = /^[^\s@<>()",;:\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/**
 * Whether `value` is an `email` claim Porter accepts: one plain address (no display name, no
 * spaces or control characters), at most 254 characters. `porter token --email` checks with it.
 */
export function isEmailClaim(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && EMAIL.test(value);
}

/**
 * Who a token names is shown to people (submitters, the console's header) and compared as text:
 * a subject or tenant with spaces at its ends, or with invisible zero-width characters, displays
 * as another one (" acme", "ze\u200dd") while being a different identity. Refused.
 */
function lookalikeProblem(value: string): string | null {
  if (/^\s|\s$/.test(value)) return 'must not begin or end with white space';
  if (/[\u200b-\u200d\u2060\ufeff\u00ad]/.test(value)) return 'must not contain invisible (zero-width) characters';
  return null;
}

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * The claims Porter needs, type-checked, as a Principal. The signature, `exp`, `nbf`, `iss` and
 * `aud` were verified by jose before (see TokenVerifier).
 */
export function principalFromClaims(claims: Record<string, unknown>): Principal {
  if (typeof claims.sub !== 'string' || !claims.sub) throw new InvalidTokenError('token has no subject');
  if (claims.sub === SYSTEM_USER_ID) throw new InvalidTokenError(`token subject "${SYSTEM_USER_ID}" is reserved for the work Porter does on its own`);
  if (typeof claims.tenant !== 'string' || !claims.tenant) throw new InvalidTokenError('token has no tenant');
  const roles = claims.roles ?? [];
  const scopes = claims.scopes ?? [];
  if (!isStringArray(roles) || !isStringArray(scopes)) throw new InvalidTokenError('token roles and scopes must be string arrays');
  // Identities end up in SQL, URLs, logs and the console (identityTextProblem): the tenant is
  // bounded as the tenant limits' path takes it; the others only by the 16 KiB of a header.
  const problems: Array<[string, string | null]> = [
    ['subject', identityTextProblem(claims.sub, ANY_LENGTH) ?? lookalikeProblem(claims.sub)],
    ['tenant', identityTextProblem(claims.tenant, MAX_TENANT_LENGTH) ?? lookalikeProblem(claims.tenant)],
    ...roles.map((role): [string, string | null] => ['roles', identityTextProblem(role, ANY_LENGTH)]),
    ...scopes.map((scope): [string, string | null] => ['scopes', identityTextProblem(scope, ANY_LENGTH)]),
  ];
  const refused = problems.find(([, problem]) => problem !== null);
  if (refused) throw new InvalidTokenError(`token ${refused[0]} ${refused[1]}`);
  const kind = claims.kind ?? 'user';
  if (kind !== 'user' && kind !== 'app') throw new InvalidTokenError('token kind must be "user" or "app"');
  // `email` (OIDC's claim) is optional; when present it must look like one address.
  const email = claims.email ?? null;
  if (email !== null && !isEmailClaim(email)) throw new InvalidTokenError('token email must be one email address');
  return new Principal(claims.sub, claims.tenant, roles, scopes, kind, email);
}

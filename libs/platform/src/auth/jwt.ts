import { createHmac, timingSafeEqual } from 'crypto';
import { Principal } from '@porter/shared-kernel';

/**
 * HS256 JSON Web Tokens, verified with node's crypto only: the algorithm is fixed (a token that
 * says "none" or RS256 is refused), the signature is compared in constant time, `exp`/`nbf` are
 * enforced, and the claims Porter needs are type-checked.
 */
export class InvalidTokenError extends Error {}

export interface PorterClaims {
  sub: string;
  tenant: string;
  roles?: string[];
  scopes?: string[];
  /** `app` for a service account; absent or `user` for a person. */
  kind?: 'user' | 'app';
  iat?: number;
  exp?: number;
  nbf?: number;
}

const b64url = (input: Buffer | string) => Buffer.from(input).toString('base64url');

export function signToken(claims: PorterClaims, secret: string, expiresInSeconds = 12 * 3600): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iat: now, exp: now + expiresInSeconds, ...claims }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function parseJson(segment: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new InvalidTokenError(`token ${what} is not a JSON object`);
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

export function verifyToken(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): Principal {
  if (token.length > 8192) throw new InvalidTokenError('token too long');
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw new InvalidTokenError('malformed token');
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = parseJson(headerPart, 'header');
  if (header.alg !== 'HS256') throw new InvalidTokenError('token algorithm must be HS256');
  const expected = createHmac('sha256', secret).update(`${headerPart}.${payloadPart}`).digest();
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new InvalidTokenError('bad token signature');
  const claims = parseJson(payloadPart, 'payload');
  // A time claim that is present but not a number would otherwise be ignored: a token with
  // "exp": "0" must not live for ever.
  for (const claim of ['exp', 'nbf'] as const) {
    if (claims[claim] !== undefined && !Number.isFinite(claims[claim])) throw new InvalidTokenError(`token ${claim} must be a number`);
  }
  if (typeof claims.exp === 'number' && nowSeconds >= claims.exp) throw new InvalidTokenError('token expired');
  if (typeof claims.nbf === 'number' && nowSeconds < claims.nbf) throw new InvalidTokenError('token not yet valid');
  if (typeof claims.sub !== 'string' || !claims.sub) throw new InvalidTokenError('token has no subject');
  if (typeof claims.tenant !== 'string' || !claims.tenant) throw new InvalidTokenError('token has no tenant');
  const roles = claims.roles ?? [];
  const scopes = claims.scopes ?? [];
  if (!isStringArray(roles) || !isStringArray(scopes)) throw new InvalidTokenError('token roles and scopes must be string arrays');
  // Identities end up in SQL and logs: control characters (NUL cannot even be stored) are refused.
  if ([claims.sub, claims.tenant, ...roles, ...scopes].some((v) => CONTROL_CHARACTERS.test(v))) {
    throw new InvalidTokenError('token claims must not contain control characters');
  }
  const kind = claims.kind ?? 'user';
  if (kind !== 'user' && kind !== 'app') throw new InvalidTokenError('token kind must be "user" or "app"');
  return new Principal(claims.sub, claims.tenant, roles, scopes, kind);
}

import { createSecretKey, KeyObject } from 'crypto';
import { createRemoteJWKSet, errors, JWTPayload, jwtVerify, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import type { Principal } from '@porter/shared-kernel';
import type { PorterConfig } from '../config/porter-config';
import { InvalidTokenError, principalFromClaims } from './jwt';
import { isUnavailable } from '../http/unavailable';

/**
 * Verifies bearer tokens with jose. With AUTH_JWKS_URL: RS256 or ES256 tokens of an identity
 * provider, the key picked by `kid` from its JWKS document (cached; refetched, at most once a
 * second, when a token names a key it does not have: key rotation needs no restart), `iss` and
 * `aud` required. Without: HS256 with AUTH_JWT_SECRET (development, tests, `npm run token`). The
 * algorithm list is fixed per mode, so `alg: none` or a mode's other algorithms are refused.
 * Every token must carry `exp`.
 */
export class TokenVerifier {
  private readonly key: JWTVerifyGetKey | KeyObject;
  private readonly options: JWTVerifyOptions;
  private readonly skewMs: number;
  /**
   * Tokens verified in the last minute, by their exact text, with the time their acceptance ends:
   * a client sends the same token with every request, and verifying it (signature, base64, JSON,
   * claims) was ~7 % of the API's CPU on a job read. A hit is still refused once the token's `exp`
   * (with the clock skew) has passed; a token is verified again at least once a minute, so a key
   * withdrawn from the identity provider's key set stops working within a minute. Only successes
   * are kept, of at most 4 KB each and 2,000 in all (the oldest go first); any other text (one
   * changed character) is verified in full.
   */
  private readonly verified = new Map<string, { principal: Principal; untilMs: number }>();

  constructor(config: Pick<PorterConfig, 'authJwtSecret' | 'authJwksUrl' | 'authIssuer' | 'authAudience' | 'authClockSkewSeconds'>) {
    this.skewMs = config.authClockSkewSeconds * 1000;
    const common: JWTVerifyOptions = {
      clockTolerance: config.authClockSkewSeconds,
      // A token without `exp` would be a credential that works forever once it leaks: every
      // token must say when it ends (identity providers and `npm run token` always do).
      requiredClaims: ['exp'],
      ...(config.authIssuer ? { issuer: config.authIssuer } : {}),
      ...(config.authAudience ? { audience: config.authAudience } : {}),
    };
    if (config.authJwksUrl) {
      this.key = createRemoteJWKSet(new URL(config.authJwksUrl), { cooldownDuration: 1000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5000 });
      this.options = { ...common, algorithms: ['RS256', 'ES256'] };
    } else {
      // One KeyObject for the process: given bytes, jose would make one per token verified.
      this.key = createSecretKey(Buffer.from(config.authJwtSecret, 'utf8'));
      this.options = { ...common, algorithms: ['HS256'] };
    }
  }

  async verify(token: string): Promise<Principal> {
    if (token.length > 8192) throw new InvalidTokenError('token too long');
    const now = Date.now();
    const hit = this.verified.get(token);
    if (hit) {
      if (now < hit.untilMs) return hit.principal;
      this.verified.delete(token);
    }
    const { principal, exp } = await this.verifyFully(token);
    this.remember(token, principal, typeof exp === 'number' ? exp : null, now);
    return principal;
  }

  /** jose accepts a token while now < exp + skew; a hit is accepted under the same rule. */
  private remember(token: string, principal: Principal, exp: number | null, now: number): void {
    const untilMs = Math.min(now + VERIFIED_TOKEN_TTL_MS, exp === null ? Infinity : exp * 1000 + this.skewMs);
    if (untilMs <= now || token.length > VERIFIED_TOKEN_MAX_CHARS) return;
    if (this.verified.size >= VERIFIED_TOKENS_MAX) {
      // the oldest entry (a Map iterates in insertion order)
      this.verified.delete(this.verified.keys().next().value as string);
    }
    this.verified.set(token, { principal, untilMs });
  }

  private async verifyFully(token: string): Promise<{ principal: Principal; exp: unknown }> {
    let payload: JWTPayload;
    try {
      ({ payload } =
        typeof this.key === 'function' ? await jwtVerify(token, this.key, this.options) : await jwtVerify(token, this.key, this.options));
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || isUnavailable(error)) {
        throw Object.assign(new Error(`the identity provider's key set could not be fetched: ${(error as Error).message}`), { name: 'IdentityProviderUnavailableError' });
      }
      throw new InvalidTokenError(describe(error));
    }
    return { principal: principalFromClaims(payload as Record<string, unknown>), exp: payload.exp };
  }
}

const VERIFIED_TOKEN_TTL_MS = 60_000;
/** At most ~8 MB of remembered token text, whatever the callers send (a longer token is verified each time). */
const VERIFIED_TOKENS_MAX = 2_000;
const VERIFIED_TOKEN_MAX_CHARS = 4096;

/** jose's reasons in the API's words (the detail of a 401). */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp' && error.reason === 'missing') return 'token has no exp claim (every token must expire)';
  if (error instanceof errors.JWTClaimValidationFailed) return `token ${error.claim} claim is not accepted (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad token signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token key (kid) is not in the identity provider\'s key set';
  if (error instanceof errors.JWKSInvalid) return 'the identity provider\'s key set could not be read';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed token';
  return (error as Error).message;
}

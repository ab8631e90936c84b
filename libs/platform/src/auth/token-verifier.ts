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
 */
export class TokenVerifier {
  private readonly key: JWTVerifyGetKey | Uint8Array;
  private readonly options: JWTVerifyOptions;

  constructor(config: Pick<PorterConfig, 'authJwtSecret' | 'authJwksUrl' | 'authIssuer' | 'authAudience' | 'authClockSkewSeconds'>) {
    const common: JWTVerifyOptions = {
      clockTolerance: config.authClockSkewSeconds,
      ...(config.authIssuer ? { issuer: config.authIssuer } : {}),
      ...(config.authAudience ? { audience: config.authAudience } : {}),
    };
    if (config.authJwksUrl) {
      this.key = createRemoteJWKSet(new URL(config.authJwksUrl), { cooldownDuration: 1000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5000 });
      this.options = { ...common, algorithms: ['RS256', 'ES256'] };
    } else {
      this.key = new TextEncoder().encode(config.authJwtSecret);
      this.options = { ...common, algorithms: ['HS256'] };
    }
  }

  async verify(token: string): Promise<Principal> {
    if (token.length > 8192) throw new InvalidTokenError('token too long');
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
    return principalFromClaims(payload as Record<string, unknown>);
  }
}

/** jose's reasons in the API's words (the detail of a 401). */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `token ${error.claim} claim is not accepted (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'token algorithm is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad token signature';
  if (error instanceof errors.JWKSNoMatchingKey) return 'token key (kid) is not in the identity provider\'s key set';
  if (error instanceof errors.JWKSInvalid) return 'the identity provider\'s key set could not be read';
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'malformed token';
  return (error as Error).message;
}

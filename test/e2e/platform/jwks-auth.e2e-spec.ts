import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';
import { PorterProcess, startApi } from '../../support/processes';

const ISSUER = 'https://id.example.test/';
const AUDIENCE = 'porter-api';

/** Tokens of an identity provider (RS256 / ES256) checked against its JWKS document, served by the test. */
describe('JWKS token verification (e2e)', () => {
  let jwks: Server;
  let keys: JWK[] = [];
  let fetches = 0;
  let api: { process: PorterProcess; baseUrl: string };
  const signers: Record<string, { key: KeyLike; alg: string }> = {};

  async function addKey(kid: string, alg: 'RS256' | 'ES256'): Promise<void> {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    signers[kid] = { key: privateKey, alg };
    keys = [...keys, { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }];
  }

  const token = (kid: string, claims: Record<string, unknown> = {}, options: { iss?: string; aud?: string; exp?: string | number } = {}) =>
    new SignJWT({ tenant: 'acme', roles: ['admin'], ...claims })
      .setProtectedHeader({ alg: signers[kid].alg, kid })
      .setSubject('ada')
      .setIssuer(options.iss ?? ISSUER)
      .setAudience(options.aud ?? AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(options.exp ?? '5m')
      .sign(signers[kid].key);

  const call = (authorization: string) => fetch(`${api.baseUrl}/api/v1/jobs`, { headers: { authorization } });

  beforeAll(async () => {
    await addKey('rsa-1', 'RS256');
    await addKey('ec-1', 'ES256');
    jwks = createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    api = await startApi({ AUTH_JWKS_URL: url, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE, AUTH_CLOCK_SKEW_S: '5' });
  });
  afterAll(async () => {
    await api?.process.stop();
    await new Promise((resolve) => jwks?.close(resolve));
  });

  it('accepts RS256 and ES256 tokens of the configured issuer and audience, keys cached', async () => {
    expect((await call(`Bearer ${await token('rsa-1')}`)).status).toBe(200);
    expect((await call(`Bearer ${await token('ec-1')}`)).status).toBe(200);
    expect(fetches).toBe(1);
  });

  it('follows a key rotation without a restart: a new kid is fetched when first seen', async () => {
    await addKey('rsa-2', 'RS256');
    await new Promise((r) => setTimeout(r, 1100)); // the refetch cooldown
    expect((await call(`Bearer ${await token('rsa-2')}`)).status).toBe(200);
    expect(fetches).toBe(2);
  });

  it.each([
    ['a wrong issuer', () => token('rsa-1', {}, { iss: 'https://evil.example.test/' }), 'iss'],
    ['a wrong audience', () => token('rsa-1', {}, { aud: 'another-api' }), 'aud'],
    ['an expired token', () => token('rsa-1', {}, { exp: Math.floor(Date.now() / 1000) - 60 }), 'expired'],
    ['a token without exp (it would never expire)', () => new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'RS256', kid: 'rsa-1' }).setSubject('ada').setIssuer(ISSUER).setAudience(AUDIENCE).sign(signers['rsa-1'].key), 'no exp claim'],
    ['alg none', async () => `${Buffer.from(JSON.stringify({ alg: 'none', kid: 'rsa-1' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'ada', tenant: 'acme', iss: ISSUER, aud: AUDIENCE })).toString('base64url')}.`, 'algorithm'],
    ['a shared-secret HS256 token', async () => new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ada').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(new TextEncoder().encode('porter-development-secret-change-me')), 'algorithm'],
    ['an unknown kid', async () => {
      const { privateKey } = await generateKeyPair('RS256');
      return new SignJWT({ tenant: 'acme' }).setProtectedHeader({ alg: 'RS256', kid: 'stranger' }).setSubject('ada').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('5m').sign(privateKey);
    }, 'kid'],
  ] as Array<[string, () => Promise<string>, string]>)('refuses %s with 401', async (_what, make, reason) => {
    const res = await call(`Bearer ${await make()}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toContain(reason);
  });

  it('refuses to start with a JWKS URL but no issuer or audience (one clear line)', async () => {
    await expect(startApi({ AUTH_JWKS_URL: 'http://127.0.0.1:1/jwks', AUTH_ISSUER: '', AUTH_AUDIENCE: '' })).rejects.toThrow(
      /AUTH_JWKS_URL needs AUTH_ISSUER and AUTH_AUDIENCE/,
    );
  });
});

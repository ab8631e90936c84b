import { createHmac } from 'crypto';
import { signToken, verifyToken } from './jwt';

const SECRET = 'a-test-secret-of-some-length';

function forge(header: object, payload: object, secret = SECRET): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
}

describe('JWT verification', () => {
  it('turns a valid token into a principal', () => {
    const token = signToken({ sub: 'alice', tenant: 'acme', roles: ['admin'], scopes: ['s1', 's2'] }, SECRET);
    const principal = verifyToken(token, SECRET);
    expect(principal.userId).toBe('alice');
    expect(principal.tenant).toBe('acme');
    expect(principal.isAdmin).toBe(true);
    expect(principal.holdsAllScopes(['s1', 's2'])).toBe(true);
    expect(principal.holdsAllScopes(['s3'])).toBe(false);
  });

  it('reads the kind claim: app for a service account, user otherwise; another value is refused', () => {
    expect(verifyToken(signToken({ sub: 'billing-sync', tenant: 'acme', kind: 'app' }, SECRET), SECRET).kind).toBe('app');
    expect(verifyToken(signToken({ sub: 'alice', tenant: 'acme' }, SECRET), SECRET).kind).toBe('user');
    expect(() => verifyToken(forge({ alg: 'HS256' }, { sub: 'x', tenant: 'acme', kind: 'robot' }), SECRET)).toThrow('token kind');
  });

  it('refuses a token signed with another secret', () => {
    const token = signToken({ sub: 'alice', tenant: 'acme' }, 'another-secret-entirely');
    expect(() => verifyToken(token, SECRET)).toThrow('bad token signature');
  });

  it('refuses a tampered payload', () => {
    const [h, , s] = signToken({ sub: 'alice', tenant: 'acme' }, SECRET).split('.');
    const p = Buffer.from(JSON.stringify({ sub: 'alice', tenant: 'other', roles: ['admin'] })).toString('base64url');
    expect(() => verifyToken(`${h}.${p}.${s}`, SECRET)).toThrow('bad token signature');
  });

  it('refuses alg none and other algorithms', () => {
    expect(() => verifyToken(forge({ alg: 'none' }, { sub: 'a', tenant: 't' }), SECRET)).toThrow('HS256');
    expect(() => verifyToken(forge({ alg: 'RS256' }, { sub: 'a', tenant: 't' }), SECRET)).toThrow('HS256');
  });

  it('refuses expired and not-yet-valid tokens', () => {
    const now = Math.floor(Date.now() / 1000);
    expect(() => verifyToken(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', exp: now - 1 }), SECRET)).toThrow('expired');
    expect(() => verifyToken(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', nbf: now + 60 }), SECRET)).toThrow('not yet valid');
  });

  it('refuses time claims that are not numbers instead of ignoring them', () => {
    expect(() => verifyToken(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', exp: '0' }), SECRET)).toThrow('exp must be a number');
    expect(() => verifyToken(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', nbf: null }), SECRET)).toThrow('nbf must be a number');
  });

  it('refuses control characters (NUL included) in subject, tenant, roles and scopes', () => {
    for (const claims of [
      { sub: 'alice\u0000', tenant: 't' },
      { sub: 'alice', tenant: 't\n' },
      { sub: 'alice', tenant: 't', roles: ['admin\u0007'] },
      { sub: 'alice', tenant: 't', scopes: ['s\u007f'] },
    ]) {
      expect(() => verifyToken(forge({ alg: 'HS256' }, claims), SECRET)).toThrow('control characters');
    }
    expect(verifyToken(forge({ alg: 'HS256' }, { sub: 'ålice ü', tenant: 'acme-1' }), SECRET).userId).toBe('ålice ü');
  });

  it('refuses tokens without subject or tenant, or with malformed claims', () => {
    expect(() => verifyToken(forge({ alg: 'HS256' }, { tenant: 't' }), SECRET)).toThrow('no subject');
    expect(() => verifyToken(forge({ alg: 'HS256' }, { sub: 'a' }), SECRET)).toThrow('no tenant');
    expect(() => verifyToken(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', roles: 'admin' }), SECRET)).toThrow('string arrays');
  });

  it('refuses garbage', () => {
    for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', '!!.??.**', 'e30.e30.']) {
      expect(() => verifyToken(bad, SECRET)).toThrow();
    }
  });
});

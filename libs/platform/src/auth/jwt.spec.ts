import { createHmac } from 'crypto';
import { isEmailClaim, signToken } from './jwt';
import { TokenVerifier } from './token-verifier';

const SECRET = 'a-test-secret-of-some-length';

/** A token of `payload` signed with `secret`; it expires in an hour unless `payload` says otherwise (`exp: undefined`: no exp). */
function forge(header: object, payload: object, secret = SECRET): string {
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const p = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600, ...payload })).toString('base64url');
  return `${h}.${p}.${createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')}`;
}

const verify = (token: string, secret = SECRET) =>
  new TokenVerifier({ authJwtSecret: secret, authJwksUrl: null, authIssuer: null, authAudience: null, authClockSkewSeconds: 0 }).verify(token);

describe('JWT verification (HS256 with jose)', () => {
  it('turns a valid token into a principal', async () => {
    const token = signToken({ sub: 'alice', tenant: 'acme', roles: ['admin'], scopes: ['s1', 's2'] }, SECRET);
    const principal = await verify(token);
    expect(principal.userId).toBe('alice');
    expect(principal.tenant).toBe('acme');
    expect(principal.isAdmin).toBe(true);
    expect(principal.holdsAllScopes(['s1', 's2'])).toBe(true);
    expect(principal.holdsAllScopes(['s3'])).toBe(false);
  });

  it('reads the kind claim: app for a service account, user otherwise; another value is refused', async () => {
    expect((await verify(signToken({ sub: 'billing-sync', tenant: 'acme', kind: 'app' }, SECRET))).kind).toBe('app');
    expect((await verify(signToken({ sub: 'alice', tenant: 'acme' }, SECRET))).kind).toBe('user');
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'x', tenant: 'acme', kind: 'robot' }))).rejects.toThrow('token kind');
  });

  it('refuses a subject or tenant that would display as another: white space at an end, zero-width characters', async () => {
    for (const [claims, message] of [
      [{ sub: 'alice', tenant: ' acme' }, 'token tenant must not begin or end with white space'],
      [{ sub: 'alice ', tenant: 'acme' }, 'token subject must not begin or end with white space'],
      [{ sub: 'ze\u200dd', tenant: 'acme' }, 'token subject must not contain invisible (zero-width) characters'],
      [{ sub: 'alice', tenant: 'ac\ufeffme' }, 'token tenant must not contain invisible (zero-width) characters'],
    ] as const) {
      await expect(verify(signToken(claims, SECRET))).rejects.toThrow(message);
    }
    expect((await verify(signToken({ sub: 'Zoë Ødegård', tenant: 'acme corp' }, SECRET))).userId).toBe('Zoë Ødegård');
  });

  it('refuses the subject "system": it is the platform\'s own, whose jobs no user may pass for', async () => {
    await expect(verify(signToken({ sub: 'system', tenant: 'acme' }, SECRET))).rejects.toThrow('token subject "system" is reserved');
    await expect(verify(signToken({ sub: 'system', tenant: 'acme', kind: 'app' }, SECRET))).rejects.toThrow('reserved');
    expect((await verify(signToken({ sub: 'System', tenant: 'acme' }, SECRET))).userId).toBe('System');
  });

  it('reads the optional email claim; anything but one plain address is refused', async () => {
    const withEmail = await verify(signToken({ sub: 'alice', tenant: 'acme', email: 'alice@acme.example' }, SECRET));
    expect(withEmail.email).toBe('alice@acme.example');
    expect(withEmail.toJSON()).toMatchObject({ email: 'alice@acme.example' });
    expect((await verify(signToken({ sub: 'alice', tenant: 'acme' }, SECRET))).email).toBeNull();
    for (const bad of ['alice', 'Alice <alice@acme.example>', 'a@b', 'a b@acme.example', 'x@acme.example\r\nBcc: all@acme.example', 42]) {
      await expect(verify(forge({ alg: 'HS256' }, { sub: 'x', tenant: 'acme', email: bad }))).rejects.toThrow('token email');
      expect(isEmailClaim(bad)).toBe(false);
    }
    // The same rule for `porter token --email`: one plain address of at most 254 characters.
    expect(isEmailClaim('alice@acme.example')).toBe(true);
    expect(isEmailClaim(`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.io`)).toBe(true);
    expect(isEmailClaim(`${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(59)}.io`)).toBe(false);
  });

  it('refuses a token signed with another secret', async () => {
    const token = signToken({ sub: 'alice', tenant: 'acme' }, 'another-secret-entirely');
    await expect(verify(token)).rejects.toThrow('bad token signature');
  });

  it('refuses a tampered payload', async () => {
    const [h, , s] = signToken({ sub: 'alice', tenant: 'acme' }, SECRET).split('.');
    const p = Buffer.from(JSON.stringify({ sub: 'alice', tenant: 'other', roles: ['admin'] })).toString('base64url');
    await expect(verify(`${h}.${p}.${s}`)).rejects.toThrow('bad token signature');
  });

  it('refuses alg none and other algorithms', async () => {
    await expect(verify(forge({ alg: 'none' }, { sub: 'a', tenant: 't' }))).rejects.toThrow('algorithm is not accepted');
    await expect(verify(forge({ alg: 'RS256' }, { sub: 'a', tenant: 't' }))).rejects.toThrow('algorithm is not accepted');
  });

  it('refuses expired and not-yet-valid tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', exp: now - 1 }))).rejects.toThrow('expired');
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', nbf: now + 60 }))).rejects.toThrow('nbf claim is not accepted');
  });

  it('refuses a token without exp: it would never expire', async () => {
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', exp: undefined }))).rejects.toThrow('token has no exp claim (every token must expire)');
  });

  it('refuses time claims that are not numbers instead of ignoring them', async () => {
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', exp: '0' }))).rejects.toThrow('exp claim is not accepted');
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', nbf: null }))).rejects.toThrow('nbf claim is not accepted');
  });

  it('refuses control characters (NUL included) in subject, tenant, roles and scopes', async () => {
    for (const claims of [
      { sub: 'alice\u0000', tenant: 't' },
      { sub: 'alice', tenant: 't\n' },
      { sub: 'alice', tenant: 't', roles: ['admin\u0007'] },
      { sub: 'alice', tenant: 't', scopes: ['s\u007f'] },
    ]) {
      await expect(verify(forge({ alg: 'HS256' }, claims))).rejects.toThrow('control characters');
    }
    expect((await verify(forge({ alg: 'HS256' }, { sub: 'ålice ü', tenant: 'acme-1' }))).userId).toBe('ålice ü');
  });

  it('refuses C1 and bidirectional-text controls, lone surrogates and a tenant past 200 characters, naming the claim', async () => {
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'alice', tenant: 't\u202e1' }))).rejects.toThrow('token tenant must not contain bidirectional-text controls');
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'alice\u009b', tenant: 't' }))).rejects.toThrow('token subject must not contain control characters');
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'al\ud800ice', tenant: 't' }))).rejects.toThrow('token subject must be valid Unicode');
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'alice', tenant: 't'.repeat(201) }))).rejects.toThrow('token tenant must be at most 200 characters');
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'alice', tenant: 't', scopes: ['north', ''] }))).rejects.toThrow('token scopes must not be empty');
    // Any other tenant a token carries is accepted, and its limits can be set (tenant-limits e2e).
    expect((await verify(forge({ alg: 'HS256' }, { sub: 'alice', tenant: '*' }))).tenant).toBe('*');
    expect((await verify(forge({ alg: 'HS256' }, { sub: 'alice', tenant: 't'.repeat(200) }))).tenant).toHaveLength(200);
  });

  it('refuses tokens without subject or tenant, or with malformed claims', async () => {
    await expect(verify(forge({ alg: 'HS256' }, { tenant: 't' }))).rejects.toThrow('no subject');
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'a' }))).rejects.toThrow('no tenant');
    await expect(verify(forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', roles: 'admin' }))).rejects.toThrow('string arrays');
  });

  it('refuses garbage', async () => {
    for (const bad of ['', 'abc', 'a.b', 'a.b.c.d', '!!.??.**', 'e30.e30.']) {
      await expect(verify(bad)).rejects.toThrow();
    }
  });

  describe('tokens verified once are remembered for a minute, never beyond their exp', () => {
    afterEach(() => jest.useRealTimers());
    const verifier = () => new TokenVerifier({ authJwtSecret: SECRET, authJwksUrl: null, authIssuer: null, authAudience: null, authClockSkewSeconds: 5 });

    it('answers the same token again without verifying it, and a changed token is verified in full', async () => {
      const v = verifier();
      const spy = jest.spyOn(v as unknown as { verifyFully(t: string): Promise<unknown> }, 'verifyFully');
      const token = signToken({ sub: 'alice', tenant: 'acme' }, SECRET);
      const first = await v.verify(token);
      expect(await v.verify(token)).toBe(first);
      expect(spy).toHaveBeenCalledTimes(1);
      // the same claims signed with another key: a different text, verified and refused
      const [h, p] = token.split('.');
      await expect(v.verify(`${h}.${p}.${createHmac('sha256', 'another-secret').update(`${h}.${p}`).digest('base64url')}`)).rejects.toThrow('signature');
      await expect(v.verify(`${token}x`)).rejects.toThrow();
      expect(spy).toHaveBeenCalledTimes(3);
    });

    it('refuses a remembered token once its exp (with the clock skew) has passed', async () => {
      jest.useFakeTimers({ now: new Date('2026-12-05T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
      const v = verifier();
      const exp = Math.floor(Date.now() / 1000) + 10;
      const token = forge({ alg: 'HS256' }, { sub: 'a', tenant: 't', exp });
      expect((await v.verify(token)).userId).toBe('a');
      jest.setSystemTime(exp * 1000 + 4_000); // within the 5 s skew: still accepted
      expect((await v.verify(token)).userId).toBe('a');
      jest.setSystemTime(exp * 1000 + 5_000);
      await expect(v.verify(token)).rejects.toThrow('expired');
    });

    it('verifies a token again after a minute', async () => {
      jest.useFakeTimers({ now: new Date('2026-12-05T10:00:00Z'), doNotFake: ['nextTick', 'setImmediate'] });
      const v = verifier();
      const spy = jest.spyOn(v as unknown as { verifyFully(t: string): Promise<unknown> }, 'verifyFully');
      const token = signToken({ sub: 'alice', tenant: 'acme' }, SECRET);
      await v.verify(token);
      jest.setSystemTime(Date.now() + 59_000);
      await v.verify(token);
      expect(spy).toHaveBeenCalledTimes(1);
      jest.setSystemTime(Date.now() + 2_000);
      await v.verify(token);
      expect(spy).toHaveBeenCalledTimes(2);
    });

    it('keeps at most 2,000 tokens, forgetting the oldest first, and never one longer than 4 KB', async () => {
      const v = verifier();
      const spy = jest.spyOn(v as unknown as { verifyFully(t: string): Promise<unknown> }, 'verifyFully');
      const tokens = Array.from({ length: 2_001 }, (_, i) => signToken({ sub: `u${i}`, tenant: 'acme' }, SECRET));
      for (const token of tokens) await v.verify(token);
      const remembered = (v as unknown as { verified: Map<string, unknown> }).verified;
      expect(remembered.size).toBe(2_000);
      await v.verify(tokens[2_000]);
      expect(spy).toHaveBeenCalledTimes(2_001);
      await v.verify(tokens[0]);
      expect(spy).toHaveBeenCalledTimes(2_002);
      const long = signToken({ sub: 'long', tenant: 'acme', scopes: ['x'.repeat(4_000)] }, SECRET);
      expect(long.length).toBeGreaterThan(4096);
      await v.verify(long);
      await v.verify(long);
      expect(spy).toHaveBeenCalledTimes(2_004);
      expect(remembered.has(long)).toBe(false);
    });
  });
});

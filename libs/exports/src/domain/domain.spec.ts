import { Principal } from '@porter/shared-kernel';
import { mayDelete, maySee, whyMayNotRequest } from './export-access';
import { exportFileName } from './export-file-name';
import { canonicalJson, exportRequestFingerprint } from './export-request-fingerprint';
import { needsNeutralizing, neutralizeFormula } from './formula-neutralizer';

describe('neutralizeFormula', () => {
  it.each(['=1+2', '+1', '-1', '@SUM(A1)', '\tx', '\rx', '\nx', '=HYPERLINK("http://x")'])('prefixes %j with a quote', (value) => {
    expect(neutralizeFormula(value)).toBe(`'${value}`);
  });

  it.each(["'=1", "''+x", "'\tx"])('prefixes %j, quotes before a formula character, with one more quote (an import drops one)', (value) => {
    expect(neutralizeFormula(value)).toBe(`'${value}`);
  });

  it.each(['', 'plain', ' =1', "'", "''", "'q", "'1", 'a=b', '1-2', 'é'])('leaves %j alone', (value) => {
    expect(needsNeutralizing(value)).toBe(false);
    expect(neutralizeFormula(value)).toBe(value);
  });
});

describe('export access', () => {
  const admin = new Principal('ada', 'acme', ['admin'], []);
  const user = new Principal('bob', 'acme', [], ['s1', 's2']);
  const global = { tenant: 'acme', scope: 'global' as const, scopeIds: [] };
  const local = { tenant: 'acme', scope: 'local' as const, scopeIds: ['s1', 's2'] };

  it('lets only admins see and request global exports', () => {
    expect(maySee(admin, global)).toBe(true);
    expect(maySee(user, global)).toBe(false);
    expect(whyMayNotRequest(admin, 'global', [])).toBeNull();
    expect(whyMayNotRequest(user, 'global', [])).toMatch(/admin/);
  });

  it('lets only holders of every scope see and request local exports, admins included', () => {
    expect(maySee(user, local)).toBe(true);
    expect(maySee(new Principal('c', 'acme', [], ['s1']), local)).toBe(false);
    expect(maySee(admin, local)).toBe(false);
    expect(whyMayNotRequest(user, 'local', ['s1', 's3'])).toMatch(/s3/);
    expect(whyMayNotRequest(user, 'local', ['s2'])).toBeNull();
  });

  it('never lets another tenant see anything', () => {
    expect(maySee(new Principal('ada', 'other', ['admin'], ['s1', 's2']), global)).toBe(false);
    expect(maySee(new Principal('bob', 'other', [], ['s1', 's2']), local)).toBe(false);
  });

  it('lets the requester or an admin who can see it delete', () => {
    expect(mayDelete(user, { ...local, requestedBy: 'bob' })).toBe(true);
    expect(mayDelete(new Principal('carl', 'acme', [], ['s1', 's2']), { ...local, requestedBy: 'bob' })).toBe(false);
    expect(mayDelete(admin, { ...global, requestedBy: 'someone' })).toBe(true);
  });
});

describe('exportFileName', () => {
  it('is <type>-<date>-<short id>.<ext>', () => {
    expect(exportFileName('employees', new Date('2026-11-22T23:59:00Z'), 'A1B2C3D4-0000-4000-8000-000000000000', 'csv')).toBe('employees-2026-11-22-a1b2c3d4.csv');
  });
});

describe('exportRequestFingerprint', () => {
  const base = { type: 't', format: 'csv', filters: { a: 1, b: { c: true, d: null } }, scopeIds: ['s2', 's1'], name: null, scheduledFor: null };

  it('ignores key order and scope order', () => {
    expect(exportRequestFingerprint(base)).toBe(exportRequestFingerprint({ ...base, filters: { b: { d: null, c: true }, a: 1 }, scopeIds: ['s1', 's2'] }));
    expect(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe('{"a":[2,{"c":2,"d":1}],"b":1}');
  });

  it('differs when anything that matters differs', () => {
    const fp = exportRequestFingerprint(base);
    expect(exportRequestFingerprint({ ...base, format: 'xlsx' })).not.toBe(fp);
    expect(exportRequestFingerprint({ ...base, filters: { a: 2, b: { c: true, d: null } } })).not.toBe(fp);
    expect(exportRequestFingerprint({ ...base, scopeIds: ['s1'] })).not.toBe(fp);
    expect(exportRequestFingerprint({ ...base, name: 'x' })).not.toBe(fp);
    // Asking for the email (or no longer asking) is another request; not asking is the plain one.
    expect(exportRequestFingerprint({ ...base, notifyEmail: true })).not.toBe(fp);
    expect(exportRequestFingerprint({ ...base, notifyEmail: false })).toBe(fp);
  });
});

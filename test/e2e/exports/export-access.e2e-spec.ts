import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { parse } from 'csv-parse/sync';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { EXPORT_ENV, exportsClient, ExportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from './export-support';

/** Permissions on request, get, list and download; download counting; idempotency; delete. */
describe('export access (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  const otherTenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let pool: Pool;
  let as: Record<'admin' | 'scopedAdmin' | 'both' | 's1Only' | 'noScopes' | 'otherAdmin', ExportsClient>;
  let globalExport: any;
  let localExport: any;

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    worker = await startWorker(EXPORT_ENV);
    const client = (user: string, t: string, opts: { admin?: boolean; scopes?: string[] }) => exportsClient(started.baseUrl, bearer(user, t, opts));
    as = {
      admin: client('ada', tenant, { admin: true }),
      scopedAdmin: client('sam', tenant, { admin: true, scopes: ['s1', 's2'] }),
      both: client('bob', tenant, { scopes: ['s1', 's2'] }),
      s1Only: client('cid', tenant, { scopes: ['s1'] }),
      noScopes: client('dan', tenant, {}),
      otherAdmin: client('ada', otherTenant, { admin: true, scopes: ['s1', 's2'] }),
    };
    const g = await as.admin.request({ type: 'employees', format: 'csv' });
    const l = await as.both.request({ type: 'scope-employees', format: 'csv', scopeIds: ['s2', 's1'] });
    expect([g.status, l.status]).toEqual([202, 202]);
    globalExport = await waitForExport(as.admin, g.json.id);
    localExport = await waitForExport(as.both, l.json.id);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
  });

  describe('request', () => {
    it('needs the admin role for a global type', async () => {
      expect((await as.both.request({ type: 'employees', format: 'csv' })).status).toBe(403);
      expect((await as.noScopes.request({ type: 'employees', format: 'jsonl' })).status).toBe(403);
      expect((await as.scopedAdmin.request({ type: 'employees', format: 'jsonl' })).status).toBe(202);
    });

    it('needs every requested scope for a local type, admin or not', async () => {
      expect((await as.s1Only.request({ type: 'scope-employees', format: 'csv', scopeIds: ['s1', 's2'] })).status).toBe(403);
      expect((await as.admin.request({ type: 'scope-employees', format: 'csv', scopeIds: ['s1'] })).status).toBe(403);
      expect((await as.s1Only.request({ type: 'scope-employees', format: 'csv', scopeIds: ['s1'] })).status).toBe(202);
      const missing = await as.both.request({ type: 'scope-employees', format: 'csv' });
      expect(missing.status).toBe(422);
      expect(missing.json.errors).toEqual([expect.objectContaining({ path: 'scopeIds' })]);
    });

    it('exports only the rows of the requested scopes', async () => {
      expect(localExport).toMatchObject({ scope: 'local', scopeIds: ['s1', 's2'], itemsCount: 3 });
      const res = await as.s1Only.request({ type: 'scope-employees', format: 'csv', scopeIds: ['s1'] });
      const info = await waitForExport(as.s1Only, res.json.id);
      const rows: string[][] = parse((await as.s1Only.download(info.id)).bytes, { bom: true, from_line: 2 });
      expect(rows.map((r) => r[3])).toEqual(['zoe@example.com', 'ws@example.com']);
      expect(rows.every((r) => r[8] === 's1')).toBe(true);
    });
  });

  describe('get, list and download', () => {
    const matrix: Array<[string, keyof typeof as, boolean, boolean]> = [
      // who, sees the global export, sees the local (s1+s2) export
      ['an admin without scopes', 'admin', true, false],
      ['an admin holding both scopes', 'scopedAdmin', true, true],
      ['a user holding both scopes', 'both', false, true],
      ['a user holding one of the scopes', 's1Only', false, false],
      ['a user without scopes', 'noScopes', false, false],
      ["another tenant's admin holding the scopes", 'otherAdmin', false, false],
    ];

    it.each(matrix)('%s: get', async (_who, key, seesGlobal, seesLocal) => {
      expect((await as[key].get(globalExport.id)).status).toBe(seesGlobal ? 200 : 404);
      expect((await as[key].get(localExport.id)).status).toBe(seesLocal ? 200 : 404);
    });

    it.each(matrix)('%s: list', async (_who, key, seesGlobal, seesLocal) => {
      const res = await as[key].list('?limit=1000');
      expect(res.status).toBe(200);
      const ids = res.json.items.map((i: { id: string }) => i.id);
      expect(ids.includes(globalExport.id)).toBe(seesGlobal);
      expect(ids.includes(localExport.id)).toBe(seesLocal);
      expect(res.json.totalRecords).toBe(res.json.items.length);
    });

    it.each(matrix)('%s: download', async (_who, key, seesGlobal, seesLocal) => {
      expect((await as[key].download(globalExport.id)).status).toBe(seesGlobal ? 200 : 404);
      expect((await as[key].download(localExport.id)).status).toBe(seesLocal ? 200 : 404);
    });

    it('filters the list by type and status and pages it', async () => {
      const local = await as.scopedAdmin.list('?type=scope-employees&status=succeeded');
      expect(local.json.items.every((i: { type: string; status: string }) => i.type === 'scope-employees' && i.status === 'succeeded')).toBe(true);
      const page = await as.scopedAdmin.list('?limit=1&offset=0');
      expect(page.json.items).toHaveLength(1);
      expect(page.json.totalRecords).toBeGreaterThan(1);
      expect((await as.admin.list('?limit=5000')).status).toBe(400);
    });

    it('lists newest first by default and oldest first with sort=oldest; another sort is a 400', async () => {
      const created = (items: Array<{ createdAt: string }>) => items.map((i) => Date.parse(i.createdAt));
      const newest = created((await as.scopedAdmin.list('?limit=1000')).json.items);
      const oldest = created((await as.scopedAdmin.list('?limit=1000&sort=oldest')).json.items);
      expect(newest.length).toBeGreaterThan(1);
      expect(newest).toEqual([...newest].sort((a, b) => b - a));
      expect(oldest).toEqual([...newest].reverse());
      const bad = await as.admin.list('?sort=name');
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.json)).toContain('sort');
    });
  });

  it('counts downloads with first and last download times, and only permitted ones', async () => {
    const res = await as.admin.request({ type: 'employees', format: 'jsonl' });
    const info = await waitForExport(as.admin, res.json.id);
    expect(info.result).toMatchObject({ downloadCount: 0, firstDownloadedAt: null, lastDownloadedAt: null });
    const before = Date.now();
    expect((await as.admin.download(info.id)).status).toBe(200);
    const once = (await as.admin.get(info.id)).json.result;
    expect(once.downloadCount).toBe(1);
    expect(once.firstDownloadedAt).toBe(once.lastDownloadedAt);
    expect(Date.parse(once.firstDownloadedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect((await as.both.download(info.id)).status).toBe(404); // not counted
    expect((await as.scopedAdmin.download(info.id)).status).toBe(200);
    const twice = (await as.admin.get(info.id)).json.result;
    expect(twice.downloadCount).toBe(2);
    expect(twice.firstDownloadedAt).toBe(once.firstDownloadedAt);
    // Two downloads can land in the same millisecond: the count proves the second one was recorded.
    expect(Date.parse(twice.lastDownloadedAt)).toBeGreaterThanOrEqual(Date.parse(once.lastDownloadedAt));
    await Promise.all(Array.from({ length: 5 }, () => as.admin.download(info.id)));
    expect((await as.admin.get(info.id)).json.result.downloadCount).toBe(7);
    // What is not a download is checked but not counted: a HEAD (download managers, link previews),
    // a Range that resumes past the first byte. A Range from byte 0 starts a download: counted.
    const path = `/api/v1/exports/${info.id}/download`;
    const head = await as.admin.call('HEAD', path);
    expect({ status: head.status, length: Number(head.headers.get('content-length')) }).toEqual({ status: 200, length: info.result.sizeBytes });
    expect((await as.admin.call('GET', path, undefined, { range: 'bytes=10-' })).status).toBe(206);
    expect((await as.admin.call('GET', path, undefined, { range: 'bytes=-5' })).status).toBe(206);
    expect((await as.both.call('HEAD', path)).status).toBe(404); // still every check
    expect((await as.admin.get(info.id)).json.result.downloadCount).toBe(7);
    expect((await as.admin.call('GET', path, undefined, { range: 'bytes=0-9' })).status).toBe(206);
    expect((await as.admin.get(info.id)).json.result.downloadCount).toBe(8);
  });

  describe('Idempotency-Key', () => {
    it('returns the same export for the same key and body, without a second job', async () => {
      const key = randomUUID();
      const body = { type: 'employees', format: 'xlsx', filters: { active: true, department: 'Sales, EMEA' } };
      const first = await as.admin.request(body, { 'idempotency-key': key });
      const again = await as.admin.request({ ...body, filters: { department: 'Sales, EMEA', active: true } }, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.json.id).toBe(first.json.id);
      expect(again.json.jobId).toBe(first.json.jobId);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      const list = await as.admin.list('?type=employees&limit=1000');
      expect(list.json.items.filter((i: { id: string }) => i.id === first.json.id)).toHaveLength(1);
    });

    it('refuses the same key with another body (422)', async () => {
      const key = randomUUID();
      expect((await as.admin.request({ type: 'employees', format: 'csv' }, { 'idempotency-key': key })).status).toBe(202);
      const other = await as.admin.request({ type: 'employees', format: 'jsonl' }, { 'idempotency-key': key });
      expect(other.status).toBe(422);
      expect(other.json.errors).toEqual([expect.objectContaining({ path: 'Idempotency-Key' })]);
    });

    it('refuses a key whose export was deleted with 409 and a clear detail', async () => {
      const key = randomUUID();
      const body = { type: 'employees', format: 'csv' };
      const first = await as.admin.request(body, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      expect((await as.admin.remove(first.json.id)).status).toBe(204);
      const again = await as.admin.request(body, { 'idempotency-key': key });
      expect(again.status).toBe(409);
      expect(again.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(again.json.detail).toMatch(/Idempotency-Key was used for export .* which has been deleted; use a new key/);
      expect((await as.admin.request(body, { 'idempotency-key': randomUUID() })).status).toBe(202);
    });

    it('keeps keys per caller', async () => {
      const key = randomUUID();
      const a = await as.admin.request({ type: 'employees', format: 'csv' }, { 'idempotency-key': key });
      const b = await as.scopedAdmin.request({ type: 'employees', format: 'csv' }, { 'idempotency-key': key });
      expect(b.json.id).not.toBe(a.json.id);
    });
  });

  it('lets the requester delete an export (404 afterwards) and hides it from others first', async () => {
    const res = await as.both.request({ type: 'scope-employees', format: 'csv', scopeIds: ['s1'] });
    const info = await waitForExport(as.both, res.json.id);
    // May see it, but is not its requester nor an admin: 403 saying who may (it knows the export exists).
    const refused = await as.s1Only.remove(info.id);
    expect(refused.status).toBe(403);
    expect(refused.json.detail).toMatch(/^Only its requester \(.+\) or a tenant admin may delete export /);
    expect((await as.otherAdmin.remove(info.id)).status).toBe(404);
    expect((await as.both.remove(info.id)).status).toBe(204);
    expect((await as.both.get(info.id)).status).toBe(404);
    expect((await as.both.download(info.id)).status).toBe(404);
    expect((await as.both.remove(info.id)).status).toBe(404);
    const stored = await pool.query('SELECT deleted_at FROM exports.export_request WHERE id = $1', [info.id]);
    expect(stored.rows[0].deleted_at).not.toBeNull(); // kept for audit
  });
});

import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { EXPORT_ENV, exportsClient, ExportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from './export-support';

/** Signed download links on the local storage driver (ADR 044). */
describe('export download links (e2e, local storage)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let pool: Pool;
  let baseUrl: string;
  let admin: ExportsClient;
  let bob: ExportsClient;
  let otherAdmin: ExportsClient;
  let exportInfo: any;

  const fetchLink = async (url: string) => {
    const res = await fetch(url.startsWith('http') ? url : `${baseUrl}${url}`);
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, bytes, text: bytes.toString('utf8') };
  };

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    baseUrl = started.baseUrl;
    worker = await startWorker(EXPORT_ENV);
    admin = exportsClient(baseUrl, bearer('ada', tenant, { admin: true }));
    bob = exportsClient(baseUrl, bearer('bob', tenant, { scopes: ['s1'] }));
    otherAdmin = exportsClient(baseUrl, bearer('ada', `t-${randomUUID()}`, { admin: true }));
    const requested = await admin.request({ type: 'employees', format: 'csv' });
    expect(requested.status).toBe(202);
    exportInfo = await waitForExport(admin, requested.json.id);
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
  });

  it('downloads the file without a bearer token and counts each download', async () => {
    const before = Date.now();
    const link = await admin.call('POST', `/api/v1/exports/${exportInfo.id}/download-link`, {});
    expect(link.status).toBe(200);
    expect(link.json.url).toMatch(new RegExp(`^/api/v1/exports/${exportInfo.id}/file\\?expires=\\d+&sig=[A-Za-z0-9_-]{43}$`));
    // Default 900 s.
    const expiresAt = Date.parse(link.json.expiresAt);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 899_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 900_000);

    const direct = await admin.download(exportInfo.id);
    const viaLink = await fetchLink(link.json.url);
    expect(viaLink.status).toBe(200);
    expect(viaLink.headers.get('content-disposition')).toContain(exportInfo.result.fileName);
    expect(viaLink.bytes.equals(direct.bytes)).toBe(true);
    expect((await fetchLink(link.json.url)).status).toBe(200);
    // A HEAD (download managers send one first) needs no token either, and answers like the GET.
    const head = await fetch(`${baseUrl}${link.json.url}`, { method: 'HEAD' });
    expect({ status: head.status, length: head.headers.get('content-length') }).toEqual({ status: 200, length: String(direct.bytes.length) });
    const after = await admin.get(exportInfo.id);
    // One bearer download and two through the link; the HEAD is not a download.
    expect(after.json.result.downloadCount).toBe(exportInfo.result.downloadCount + 3);
  });

  it('needs no body at all (default lifetime)', async () => {
    const res = await admin.call('POST', `/api/v1/exports/${exportInfo.id}/download-link`);
    expect(res.status).toBe(200);
    expect(Date.parse(res.json.expiresAt) - Date.now()).toBeGreaterThan(890_000);
  });

  it('takes expiresInSeconds between 60 and 86400 (400 outside)', async () => {
    const ok = await admin.call('POST', `/api/v1/exports/${exportInfo.id}/download-link`, { expiresInSeconds: 60 });
    expect(ok.status).toBe(200);
    expect(Date.parse(ok.json.expiresAt) - Date.now()).toBeLessThanOrEqual(60_000);
    for (const expiresInSeconds of [59, 86_401, 'soon', 1.5]) {
      const bad = await admin.call('POST', `/api/v1/exports/${exportInfo.id}/download-link`, { expiresInSeconds });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it.each([
    ['a changed signature', (u: URL) => u.searchParams.set('sig', flip(u.searchParams.get('sig')!))],
    ['a pushed-back expiry', (u: URL) => u.searchParams.set('expires', String(Number(u.searchParams.get('expires')) + 3600))],
    ['no signature', (u: URL) => u.searchParams.delete('sig')],
    ['another export id', (u: URL) => (u.pathname = `/api/v1/exports/${randomUUID()}/file`)],
  ])('refuses a link with %s (403 problem, nothing counted)', async (_what, tamper) => {
    const link = await admin.call('POST', `/api/v1/exports/${exportInfo.id}/download-link`, {});
    const url = new URL(link.json.url, baseUrl);
    tamper(url);
    const count = (await admin.get(exportInfo.id)).json.result.downloadCount;
    const res = await fetchLink(url.toString());
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(JSON.parse(res.text).detail).toMatch(/invalid/);
    expect((await admin.get(exportInfo.id)).json.result.downloadCount).toBe(count);
  });

  it("never outlives the export: a link asked for an hour ends when the export expires (a presigned S3 URL would serve the file until the purge)", async () => {
    const requested = await admin.request({ type: 'employees', format: 'csv', name: 'short-lived' });
    const info = await waitForExport(admin, requested.json.id);
    const { rows } = await pool.query(
      `UPDATE exports.export_result SET expires_at = now() + interval '90 seconds' WHERE id = $1 RETURNING expires_at`,
      [info.result.id],
    );
    const exportExpires = (rows[0].expires_at as Date).getTime();
    const link = await admin.call('POST', `/api/v1/exports/${info.id}/download-link`, { expiresInSeconds: 3600 });
    expect(link.status).toBe(200);
    expect(Date.parse(link.json.expiresAt)).toBeLessThanOrEqual(exportExpires);
    expect(Date.parse(link.json.expiresAt)).toBeGreaterThan(Date.now() + 60_000);
    expect(Number(new URL(link.json.url, baseUrl).searchParams.get('expires')) * 1000).toBe(Date.parse(link.json.expiresAt));
    expect((await fetchLink(link.json.url)).status).toBe(200);
  });

  it('refuses an expired link (403)', async () => {
    const link = await admin.call('POST', `/api/v1/exports/${exportInfo.id}/download-link`, { expiresInSeconds: 60 });
    const expires = Number(new URL(link.json.url, baseUrl).searchParams.get('expires'));
    // A genuinely signed link whose time has passed: fast-forwarding is not possible against a
    // real process, so an already-expired link is made the only way one can be — signed with the
    // process's development secret for a time in the past.
    const { createHmac } = await import('crypto');
    const { loadConfig } = await import('@porter/platform');
    const secret = loadConfig({ ...process.env, ...EXPORT_ENV }).downloadLinkSecret;
    const past = Math.floor(Date.now() / 1000) - 1;
    const sig = createHmac('sha256', secret).update(`v1\n${exportInfo.id}\n${past}`).digest('base64url');
    expect(expires).toBeGreaterThan(past);
    // The same construction with the link's own expiry reproduces the link's signature, so the
    // expired link below is exactly what the API would have issued.
    expect(createHmac('sha256', secret).update(`v1\n${exportInfo.id}\n${expires}`).digest('base64url')).toBe(new URL(link.json.url, baseUrl).searchParams.get('sig'));
    const res = await fetchLink(`/api/v1/exports/${exportInfo.id}/file?expires=${past}&sig=${sig}`);
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).detail).toMatch(/expired/);
  });

  it("does not make a link for another tenant's export (404) nor for a caller without permission (404)", async () => {
    expect((await otherAdmin.call('POST', `/api/v1/exports/${exportInfo.id}/download-link`, {})).status).toBe(404);
    expect((await bob.call('POST', `/api/v1/exports/${exportInfo.id}/download-link`, {})).status).toBe(404);
    expect((await admin.call('POST', `/api/v1/exports/${randomUUID()}/download-link`, {})).status).toBe(404);
  });

  it('still needs a token for everything else under /api/v1', async () => {
    expect((await fetch(`${baseUrl}/api/v1/exports/${exportInfo.id}/download`)).status).toBe(401);
    // only GET of exactly …/exports/{id}/file goes without a token
    for (const [method, path] of [
      ['GET', `/api/v1/exports/${exportInfo.id}/file/more`],
      ['GET', `/api/v1/exports/${exportInfo.id}`],
      ['POST', `/api/v1/exports/${exportInfo.id}/file`],
      ['DELETE', `/api/v1/exports/${exportInfo.id}/file`],
      ['GET', `/api/v1/jobs/${exportInfo.id}/file`],
    ]) {
      expect({ method, path, status: (await fetch(`${baseUrl}${path}`, { method })).status }).toEqual({ method, path, status: 401 });
    }
  });
});

function flip(sig: string): string {
  return (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
}

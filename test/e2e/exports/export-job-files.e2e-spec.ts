import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, ExportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from './export-support';

// The porter-test.* job types give a job whose file no policy guards (the key-leak check below).
const ENV = { ...EXPORT_ENV, PORTER_ENABLE_TEST_JOB_TYPES: '1' };

/**
 * An export's file is also its job's output file. Reading it through the jobs API must pass the
 * same checks as GET /exports/{id}/download (ADR 027): seeing the job — every job of the tenant, for
 * an admin — is not enough.
 */
describe('export files through the jobs API (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let pool: Pool;
  let as: Record<'bob' | 'bobWithS1Only' | 'adminWithoutScopes' | 'adminWithScopes' | 'otherTenantAdmin', ExportsClient>;

  const fileUrl = (jobId: string, name: string) => `/api/v1/jobs/${jobId}/files/${encodeURIComponent(name)}`;
  const downloads = async (exportId: string) => (await as.bob.get(exportId)).json.result.downloadCount as number;

  /** A local (s1+s2) export requested by bob, finished. */
  async function localExport(shape: Record<string, unknown> = { format: 'csv' }): Promise<any> {
    const res = await as.bob.request({ type: 'scope-employees', scopeIds: ['s1', 's2'], ...shape });
    expect(res.status).toBe(202);
    return waitForExport(as.bob, res.json.id);
  }

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const started = await startApi(ENV);
    api = started.process;
    worker = await startWorker(ENV);
    const client = (user: string, t: string, opts: { admin?: boolean; scopes?: string[] }) => exportsClient(started.baseUrl, bearer(user, t, opts));
    as = {
      bob: client('bob', tenant, { scopes: ['s1', 's2'] }),
      bobWithS1Only: client('bob', tenant, { scopes: ['s1'] }),
      adminWithoutScopes: client('ada', tenant, { admin: true }),
      adminWithScopes: client('sam', tenant, { admin: true, scopes: ['s1', 's2'] }),
      otherTenantAdmin: client('ada', `t-${randomUUID()}`, { admin: true, scopes: ['s1', 's2'] }),
    };
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
  });

  it("refuses an admin without the scopes (404) although the admin sees the job, and counts nothing", async () => {
    const info = await localExport();
    const name = info.result.fileName;
    expect((await as.adminWithoutScopes.call('GET', `/api/v1/jobs/${info.jobId}`)).status).toBe(200);
    const listed = await as.adminWithoutScopes.call('GET', `/api/v1/jobs/${info.jobId}/files`);
    expect(listed.json.map((f: { name: string }) => f.name)).toEqual([name]);

    const refused = await as.adminWithoutScopes.call('GET', fileUrl(info.jobId, name));
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.json.detail).toBe(`Job file ${name} was not found`);
    expect((await as.adminWithoutScopes.download(info.id)).status).toBe(404); // the same answer as the exports API
    expect((await as.otherTenantAdmin.call('GET', fileUrl(info.jobId, name))).status).toBe(404);
    expect(await downloads(info.id)).toBe(0);
  });

  it('names JSONL application/x-ndjson and gzip application/gzip in the files list and on both downloads', async () => {
    for (const [shape, type, extension] of [
      [{ format: 'jsonl' }, 'application/x-ndjson', '.jsonl'],
      [{ format: 'jsonl', compression: 'gzip' }, 'application/gzip', '.jsonl.gz'],
      [{ format: 'csv', compression: 'gzip' }, 'application/gzip', '.csv.gz'],
    ] as const) {
      const info = await localExport(shape);
      const name = info.result.fileName as string;
      expect(name.endsWith(extension)).toBe(true);
      const listed = await as.bob.call('GET', `/api/v1/jobs/${info.jobId}/files`);
      expect(listed.status).toBe(200);
      expect(listed.json).toEqual([expect.objectContaining({ name, contentType: expect.any(String) })]);
      // The media type exactly (JSONL's text carries `; charset=utf-8`), never application/jsonl.
      expect(listed.json[0].contentType).toMatch(new RegExp(`^${type.replace('/', '\\/')}(; charset=utf-8)?$`));
      const viaJobs = await as.bob.call('GET', fileUrl(info.jobId, name));
      expect(viaJobs.status).toBe(200);
      expect(viaJobs.headers.get('content-type')?.split(';')[0]).toBe(type);
      const viaExports = await as.bob.download(info.id);
      expect(viaExports.headers.get('content-type')?.split(';')[0]).toBe(type);
    }
  });

  it('serves the requester holding the scopes (200) and counts it as a download, like /exports/{id}/download', async () => {
    const info = await localExport();
    const name = info.result.fileName;
    const viaJobs = await as.bob.call('GET', fileUrl(info.jobId, name));
    expect(viaJobs.status).toBe(200);
    expect(viaJobs.headers.get('content-disposition')).toContain(name);
    const afterJobs = (await as.bob.get(info.id)).json.result;
    expect(afterJobs.downloadCount).toBe(1);
    expect(afterJobs.firstDownloadedAt).not.toBeNull();

    const viaExports = await as.bob.download(info.id);
    expect(viaExports.bytes.equals(viaJobs.bytes)).toBe(true);
    // An admin holding the scopes sees the job and may read the file: counted too.
    expect((await as.adminWithScopes.call('GET', fileUrl(info.jobId, name))).status).toBe(200);
    expect(await downloads(info.id)).toBe(3);
    // A HEAD and a resumed range are checked (an admin without the scopes: 404) but not counted.
    expect((await as.bob.call('HEAD', fileUrl(info.jobId, name))).status).toBe(200);
    expect((await as.bob.call('GET', fileUrl(info.jobId, name), undefined, { range: 'bytes=3-' })).status).toBe(206);
    expect((await as.adminWithoutScopes.call('HEAD', fileUrl(info.jobId, name))).status).toBe(404);
    expect(await downloads(info.id)).toBe(3);
  });

  it('refuses the requester once a scope was taken away (404), still uncounted', async () => {
    const info = await localExport();
    const name = info.result.fileName;
    expect((await as.bobWithS1Only.call('GET', `/api/v1/jobs/${info.jobId}`)).status).toBe(200); // still their own job
    expect((await as.bobWithS1Only.call('GET', fileUrl(info.jobId, name))).status).toBe(404);
    expect(await downloads(info.id)).toBe(0);
  });

  it('answers 410 for an expired file the purge has not deleted yet, as the exports API does', async () => {
    const info = await localExport();
    await pool.query(`UPDATE exports.export_result SET expires_at = now() - interval '1 second' WHERE id = $1`, [info.result.id]);
    const viaJobs = await as.bob.call('GET', fileUrl(info.jobId, info.result.fileName));
    expect(viaJobs.status).toBe(410);
    expect((await as.bob.download(info.id)).status).toBe(410);
    const after = (await as.bob.get(info.id)).json.result;
    expect(after).toMatchObject({ expired: true, downloadCount: 0 });
  });

  it("answers 404 for a deleted export's job file", async () => {
    const info = await localExport();
    expect((await as.bob.remove(info.id)).status).toBe(204);
    expect((await as.adminWithScopes.call('GET', fileUrl(info.jobId, info.result.fileName))).status).toBe(404);
  });

  it('expires the export when its job is deleted through the jobs API (upper-case id too), removing the file', async () => {
    const info = await localExport();
    const [{ storage_key: key }] = (await pool.query('SELECT storage_key FROM job_queue.job_file WHERE job_id = $1', [info.jobId])).rows;
    // The export is marked succeeded in its handler; its job's success commits with the worker's
    // next round, a moment later (a busy machine makes it longer): a job still running is not deleted.
    await waitFor(async () => (await as.bob.call('GET', `/api/v1/jobs/${info.jobId}`)).json.status === 'succeeded', { what: 'the export job to succeed' });
    // UUIDs are case-insensitive in URLs; storage keys are not: the stored id must be used.
    expect((await as.bob.call('DELETE', `/api/v1/jobs/${info.jobId.toUpperCase()}`)).status).toBe(204);
    await expect(fs.stat(path.join(process.env.STORAGE_DIR!, key))).rejects.toThrow(/ENOENT/);
    const after = await waitFor(
      async () => {
        const json = (await as.bob.get(info.id)).json;
        return json.result.expired ? json : false;
      },
      { what: 'the export to say its file is gone' },
    );
    expect(after).toMatchObject({ status: 'succeeded', downloadUrl: null, result: { expired: true, downloadCount: 0 } });
    expect((await as.bob.download(info.id)).status).toBe(410);
  });

  it('answers one of two racing deletes of an export with 204 and the other with 404', async () => {
    const info = await localExport();
    const statuses = await Promise.all(Array.from({ length: 6 }, () => as.bob.remove(info.id).then((r) => r.status)));
    expect(statuses.sort()).toEqual([204, 404, 404, 404, 404, 404]);
  });

  it('never names the storage key when a stored file is missing', async () => {
    const submitted = await as.bob.call('POST', '/api/v1/job-queue/testing/jobs', { type: 'porter-test.steps', payload: { steps: 1, stepMs: 1, fileName: 'report.csv' } });
    expect(submitted.status).toBe(201);
    const jobId = submitted.json.jobId;
    await waitFor(async () => (await as.bob.call('GET', `/api/v1/jobs/${jobId}`)).json.status === 'succeeded', { what: 'the test job' });
    const { rows } = await pool.query('SELECT storage_key FROM job_queue.job_file WHERE job_id = $1', [jobId]);
    expect((await as.bob.call('GET', fileUrl(jobId, 'report.csv'))).status).toBe(200);
    await fs.rm(path.join(process.env.STORAGE_DIR!, rows[0].storage_key));

    const missing = await as.bob.call('GET', fileUrl(jobId, 'report.csv'));
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toBe('Job file report.csv was not found');
    expect(missing.text).not.toContain(rows[0].storage_key);
    expect(missing.text).not.toContain('job-queue/');
  });
});

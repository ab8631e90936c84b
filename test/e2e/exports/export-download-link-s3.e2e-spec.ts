import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { EXPORT_ENV, exportsClient, ExportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from './export-support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections?: () => void };
};

const BUCKET = 'porter-links';

/**
 * Download links on the S3 driver (ADR 044), against a real S3 server (s3rver) started here: the
 * link is a presigned GET of the bucket, named like the export, and its use is not counted.
 * (s3rver checks a presigned URL's expiry, not its signature: the signature is the SDK's.)
 */
describe('export download links (e2e, S3 storage)', () => {
  const tenant = `t-${randomUUID()}`;
  let s3: InstanceType<typeof S3rver>;
  let directory: string;
  let api: PorterProcess;
  let worker: PorterProcess;
  let pool: Pool;
  let admin: ExportsClient;
  let otherAdmin: ExportsClient;

  beforeAll(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-s3-links-'));
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
    const { port } = await s3.run();
    const env = {
      ...EXPORT_ENV,
      STORAGE_DRIVER: 's3',
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_FORCE_PATH_STYLE: 'true',
      S3_KEY_PREFIX: `run-${randomUUID().slice(0, 8)}`,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const started = await startApi(env);
    api = started.process;
    worker = await startWorker(env);
    admin = exportsClient(started.baseUrl, bearer('ada', tenant, { admin: true }));
    otherAdmin = exportsClient(started.baseUrl, bearer('ada', `t-${randomUUID()}`, { admin: true }));
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
    s3?.httpServer?.closeAllConnections?.();
    await s3?.close();
    await fs.rm(directory, { recursive: true, force: true });
  });

  it('answers a presigned bucket URL that downloads the file, named like the export, uncounted', async () => {
    const requested = await admin.request({ type: 'employees', format: 'csv' });
    const info = await waitForExport(admin, requested.json.id);
    const link = await admin.call('POST', `/api/v1/exports/${info.id}/download-link`, { expiresInSeconds: 120 });
    expect(link.status).toBe(200);
    expect(link.json.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/porter-links\/.+X-Amz-Signature=/);
    expect(link.json.url).toContain('X-Amz-Expires=120');
    expect(Date.parse(link.json.expiresAt) - Date.now()).toBeLessThanOrEqual(120_000);

    // No token, no SDK: a plain GET, as a browser or a webhook receiver would make it.
    const res = await fetch(link.json.url);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${info.result.fileName}"; filename*=UTF-8''${encodeURIComponent(info.result.fileName)}`);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(bytes.equals((await admin.download(info.id)).bytes)).toBe(true);
    // One bearer download; the presigned one is not seen by Porter.
    expect((await admin.get(info.id)).json.result.downloadCount).toBe(1);
    expect((await otherAdmin.call('POST', `/api/v1/exports/${info.id}/download-link`, {})).status).toBe(404);
  });
});

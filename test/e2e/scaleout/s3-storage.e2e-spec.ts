import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import { connect, Socket } from 'net';
import * as os from 'os';
import * as path from 'path';
import { Pool } from 'pg';
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { startTcpProxy, TcpProxy } from '../../support/tcp-proxy';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, ExportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from '../exports/export-support';
import { employeeCount, employeeRow, EMPLOYEE_HEADER, employeesCsv, importsClient } from '../imports/import-support';
import { client as jobsClient, waitForJob } from '../jobs/job-support';
import { MotoServer, motoAvailable, S3_BUCKET, s3Env, startMoto } from './s3-support';

const withMoto = motoAvailable();
if (!withMoto) process.stderr.write('\n[s3 e2e] moto_server is not on PATH: the S3-driver e2e spec is skipped\n');

const UPLOAD_MAX_BYTES = 20 * 1024 * 1024;
const ENV = {
  ...EXPORT_ENV,
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_MAX_ATTEMPTS: '10',
  JOB_BACKOFF_MS: '300',
  EXPORT_RETENTION_PURGE_INTERVAL_MS: '1000',
  UPLOAD_MAX_BYTES: String(UPLOAD_MAX_BYTES),
  UPLOAD_MAX_FILES: '1',
  STORAGE_TMP_MAX_AGE_MS: '10000',
};

/**
 * Every use of file storage, end to end, on STORAGE_DRIVER=s3: a real API and worker against
 * moto's S3 (a child process on 127.0.0.1), reached through a TCP forwarder so the test can take
 * S3 away and bring it back with its objects intact. Each process has its own empty STORAGE_DIR,
 * which must still be empty at the end: nothing falls back to the local disk.
 */
(withMoto ? describe : describe.skip)('storage on the S3 driver (e2e)', () => {
  const prefix = `e2e-${process.env.PORTER_TEST_RUN_ID ?? randomUUID().slice(0, 8)}`;
  const tenant = `t-${randomUUID()}`;
  let moto: MotoServer;
  let s3: TcpProxy;
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  let pool: Pool;
  let admin: ExportsClient;
  const localDirs: string[] = [];

  const s3Down = () => s3.cut();
  const s3Up = () => s3.restore();
  const objects = (under = '') => moto.keys(`${prefix}/${under}`);

  async function emptyDir(name: string): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `porter-s3e2e-${name}-`));
    localDirs.push(dir);
    return dir;
  }

  beforeAll(async () => {
    moto = await startMoto();
    s3 = await startTcpProxy('127.0.0.1', moto.port);
    const env = { ...ENV, ...s3Env(`http://127.0.0.1:${s3.port}`, prefix) };
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    api = await startApi({ ...env, STORAGE_DIR: await emptyDir('api') });
    worker = await startWorker({ ...env, STORAGE_DIR: await emptyDir('worker') });
    admin = exportsClient(api.baseUrl, bearer('ada', tenant, { admin: true }));
  }, 90_000);

  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
    await s3?.close();
    await moto?.stop();
    await pool?.end();
    for (const dir of localDirs) await fs.rm(dir, { recursive: true, force: true });
  });

  it('exports every format to the bucket and downloads it with its headers, whole and by byte ranges', async () => {
    const types: Record<string, RegExp> = { csv: /^text\/csv/, jsonl: /^application\/x-ndjson(;|$)/, xlsx: /^application\/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet/ };
    for (const format of ['csv', 'jsonl', 'xlsx']) {
      const requested = await admin.request({ type: 'employees', format });
      expect(requested.status).toBe(202);
      const info = await waitForExport(admin, requested.json.id);
      expect(info.itemsCount).toBe(TRICKY_EMPLOYEES.length);
      const { rows } = await pool.query('SELECT storage_key, size_bytes::int AS size FROM exports.export_result WHERE id = $1', [info.result.id]);
      expect(await objects()).toContain(`${prefix}/${rows[0].storage_key}`);

      const whole = await admin.download(info.id);
      expect(whole.status).toBe(200);
      expect(whole.headers.get('content-type')).toMatch(types[format]);
      expect(whole.headers.get('content-length')).toBe(String(rows[0].size));
      expect(whole.bytes.length).toBe(rows[0].size);
      expect(whole.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename=".+\\.${format}"`));
      expect(whole.headers.get('accept-ranges')).toBe('bytes');
      if (format === 'csv') expect(whole.text.split('\r\n').filter(Boolean).length + whole.text.split('\n').length).toBeGreaterThan(TRICKY_EMPLOYEES.length);
      if (format === 'jsonl') expect(whole.text.trim().split('\n')).toHaveLength(TRICKY_EMPLOYEES.length);
      if (format === 'xlsx') expect(whole.bytes.subarray(0, 2).toString()).toBe('PK');

      const size = whole.bytes.length;
      const ranged = async (range: string) => admin.call('GET', `/api/v1/exports/${info.id}/download`, undefined, { range });
      const first = await ranged('bytes=0-0');
      expect(first.status).toBe(206);
      expect(first.headers.get('content-range')).toBe(`bytes 0-0/${size}`);
      expect(first.headers.get('content-length')).toBe('1');
      expect(first.bytes).toEqual(whole.bytes.subarray(0, 1));
      const middle = await ranged('bytes=10-99');
      expect(middle.status).toBe(206);
      expect(middle.headers.get('content-range')).toBe(`bytes 10-99/${size}`);
      expect(middle.headers.get('content-type')).toMatch(types[format]);
      expect(middle.bytes).toEqual(whole.bytes.subarray(10, 100));
      const tail = await ranged('bytes=-7');
      expect(tail.status).toBe(206);
      expect(tail.headers.get('content-range')).toBe(`bytes ${size - 7}-${size - 1}/${size}`);
      expect(tail.bytes).toEqual(whole.bytes.subarray(size - 7));
      const open = await ranged(`bytes=${size - 3}-`);
      expect(open.bytes).toEqual(whole.bytes.subarray(size - 3));
      const past = await ranged(`bytes=${size}-`);
      expect(past.status).toBe(416);
      expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
      expect(past.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(past.json).toMatchObject({ status: 416, title: 'Range Not Satisfiable', type: 'https://porter.dev/problems/range-not-satisfiable' });
      // An If-Range for another version of the file sends all of it.
      const stale = await admin.call('GET', `/api/v1/exports/${info.id}/download`, undefined, { range: 'bytes=0-0', 'if-range': '"0000"' });
      expect(stale.status).toBe(200);
      expect(stale.bytes.length).toBe(size);
    }
  });

  it('streams an import upload into the bucket, imports it, serves its failed rows; refuses too-large and unsniffable files leaving nothing', async () => {
    const t = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', t, { scopes: ['north'] }));
    const bad = employeeRow(3, { email: 'not-an-email' });
    const csv = `${EMPLOYEE_HEADER}\n${employeeRow(1)}\n${employeeRow(2)}\n${bad}\n${employeeRow(4)}\n`;
    const { recordId, batch } = await c.importFile(csv, 'people.csv');
    expect(batch.status).toBe('partially_failed');
    expect(batch.counts).toMatchObject({ total: 4, failed: 1 });
    expect(await employeeCount(t)).toBe(3);
    expect((await objects(`imports/`)).some((k) => k.includes(recordId) && k.endsWith(`${batch.id}.upload`))).toBe(true);

    const failed = await fetch(`${api.baseUrl}/api/v1/imports/${recordId}/batches/${batch.id}/failed-rows`, { headers: { authorization: bearer('alice', t, { scopes: ['north'] }) } });
    expect(failed.status).toBe(200);
    expect(failed.headers.get('content-type')).toMatch(/^text\/csv/);
    const failedText = await failed.text();
    expect(failedText).toContain('not-an-email');
    expect(failedText.trim().split(/\r?\n/)).toHaveLength(2);

    const before = await objects('imports/');
    const record2 = await c.createRecord();
    const tooBig = await c.upload(record2, Buffer.alloc(UPLOAD_MAX_BYTES + 1024 * 1024, 'a,b,c\n'), 'big.csv');
    expect(tooBig.status).toBe(413);
    const png = await c.upload(record2, Buffer.concat([Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), Buffer.alloc(4096)]), 'people.csv');
    expect(png.status).toBe(415);
    expect((await c.call('GET', `/api/v1/imports/${record2}`)).json.batches).toEqual([]);
    await waitFor(async () => ((await moto.pendingUploads(`${prefix}/`)).length === 0 ? true : null), { timeoutMs: 10_000, what: 'no multipart upload left' });
    expect(await objects('imports/')).toEqual(before);
  });

  it('an upload cut midway (past one 8 MiB part) leaves no object and no multipart upload in the bucket', async () => {
    const t = `t-${randomUUID()}`;
    const authorization = bearer('alice', t);
    const c = importsClient(api.baseUrl, authorization);
    const recordId = await c.createRecord();
    const url = new URL(api.baseUrl);
    const socket: Socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    socket.on('error', () => undefined);
    socket.write(
      `POST /api/v1/imports/${recordId}/batches HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${authorization}\r\n` +
        `Content-Type: multipart/form-data; boundary=xyz\r\nContent-Length: 19000000\r\n\r\n` +
        `--xyz\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\n`,
    );
    const chunk = employeesCsv(20_000); // ~1.5 MB
    for (let sent = 0; sent < 12 * 1024 * 1024; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
    }
    // The first part went up: a multipart upload exists under the batch's key.
    await waitFor(async () => ((await moto.pendingUploads(`${prefix}/imports/`)).length > 0 ? true : null), { timeoutMs: 15_000, intervalMs: 50, what: 'the first part to be uploaded' });
    socket.destroy();
    await waitFor(async () => ((await moto.pendingUploads(`${prefix}/`)).length === 0 ? true : null), { timeoutMs: 5_000, intervalMs: 100, what: 'the API to abort the multipart upload' });
    expect((await objects('imports/')).filter((k) => k.includes(recordId))).toEqual([]);
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toEqual([]);
    expect((await c.upload(recordId, employeesCsv(5))).status).toBe(202);
  });

  it('stores job attachments and output files in the bucket and serves them, ranges included', async () => {
    const t = `t-${randomUUID()}`;
    const alice = jobsClient(api.baseUrl, bearer('alice', t));
    const jobId = await alice.submit('porter-test.steps', { steps: 1, stepMs: 1, fileName: 'out.csv' }, { scheduledFor: new Date(Date.now() + 1500).toISOString() });
    const form = new FormData();
    form.append('file', new Blob(['run it on the 1st'], { type: 'text/plain' }), 'notes.txt');
    const added = await fetch(`${api.baseUrl}/api/v1/jobs/${jobId}/attachments`, { method: 'POST', headers: { authorization: bearer('alice', t) }, body: form });
    expect(added.status).toBe(201);
    await waitForJob(alice, jobId, (j) => j.status === 'succeeded', 'the job to succeed');
    const keys = await objects(`job-queue/${jobId}/`);
    // Keys are internal (uuids): one attachment and the output file, under the job's prefix.
    expect(keys.filter((k) => k.startsWith(`${prefix}/job-queue/${jobId}/attachments/`))).toHaveLength(1);
    expect(keys.filter((k) => !k.includes('/attachments/')).length).toBeGreaterThanOrEqual(1);
    const notes = await alice.call('GET', `/api/v1/jobs/${jobId}/files/notes.txt`);
    expect(notes.status).toBe(200);
    expect(notes.text).toBe('run it on the 1st');
    const part = await fetch(`${api.baseUrl}/api/v1/jobs/${jobId}/files/notes.txt`, { headers: { authorization: bearer('alice', t), range: 'bytes=7-8' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 7-8/17');
    expect(await part.text()).toBe('on');
    const out = await alice.call('GET', `/api/v1/jobs/${jobId}/files/out.csv`);
    expect(out.status).toBe(200);
    expect(out.text.length).toBeGreaterThan(0);
  });

  it('readiness is 503 while S3 is unreachable and 200 once it is back', async () => {
    expect((await fetch(`${api.baseUrl}/api/health/ready`)).status).toBe(200);
    await s3Down();
    try {
      const down = await fetch(`${api.baseUrl}/api/health/ready`);
      expect(down.status).toBe(503);
      expect(JSON.stringify(await down.json())).toContain('s3');
      // An upload meanwhile is refused as an outage (retry later), not a bug, and leaves no batch.
      const t = `t-${randomUUID()}`;
      const c = importsClient(api.baseUrl, bearer('alice', t, { scopes: ['north'] }));
      const recordId = await c.createRecord();
      const refused = await c.upload(recordId, employeesCsv(10));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toEqual([]);
    } finally {
      await s3Up();
    }
    await waitFor(async () => ((await fetch(`${api.baseUrl}/api/health/ready`)).status === 200 ? true : null), { timeoutMs: 15_000, what: 'readiness back to 200' });
  });

  it('a retention purge that fails on the store keeps the result for the next tick, and deletes the object once S3 is back', async () => {
    const requested = await admin.request({ type: 'employees', format: 'csv' });
    const info = await waitForExport(admin, requested.json.id);
    const { rows } = await pool.query('SELECT storage_key FROM exports.export_result WHERE id = $1', [info.result.id]);
    const key = `${prefix}/${rows[0].storage_key}`;
    expect(await objects()).toContain(key);
    await s3Down();
    try {
      await pool.query(`UPDATE exports.export_result SET expires_at = now() - interval '1 minute' WHERE id = $1`, [info.result.id]);
      // Several purge ticks (1 s) fail on the store: the result is not marked purged.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(worker.output()).toMatch(/retention purge failed/);
      expect((await pool.query('SELECT expired_at FROM exports.export_result WHERE id = $1', [info.result.id])).rows[0].expired_at).toBeNull();
    } finally {
      await s3Up();
    }
    expect(await objects()).toContain(key);
    await waitFor(async () => (await pool.query('SELECT expired_at FROM exports.export_result WHERE id = $1', [info.result.id])).rows[0].expired_at, {
      timeoutMs: 20_000,
      what: 'the purge to succeed once S3 is back',
    });
    expect(await objects()).not.toContain(key);
    expect((await admin.download(info.id)).status).toBe(410);
  });

  it('an export whose file cannot be written while S3 is down is retried with backoff and succeeds once S3 is back', async () => {
    await s3Down();
    let id: string;
    try {
      const requested = await admin.request({ type: 'employees', format: 'jsonl' });
      expect(requested.status).toBe(202);
      id = requested.json.id;
      const jobs = jobsClient(api.baseUrl, bearer('ada', tenant, { admin: true }));
      const jobId: string = requested.json.jobId;
      await waitFor(
        async () => {
          // An attempt that failed on the store is retried without being counted (ADR 091).
          const { rows } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job_event WHERE job_id = $1 AND type = 'retrying'`, [jobId]);
          return rows[0].n >= 2 ? true : null;
        },
        { timeoutMs: 30_000, what: 'the export job to fail attempts on the store and retry' },
      );
      const job = await jobs.job(jobId);
      // Back in the queue for its next attempt (or already retrying it): not failed, nothing lost.
      expect(['pending', 'running']).toContain(job.status);
      expect(job.attempts).toBeLessThanOrEqual(1);
      expect(job.errorDetails).toMatch(/^storage unreachable: .*\(attempt not counted: waiting for storage, retrying in /);
    } finally {
      await s3Up();
    }
    const info = await waitForExport(admin, id!, ['succeeded'], 60_000);
    const file = await admin.download(info.id);
    expect(file.status).toBe(200);
    expect(file.text.trim().split('\n')).toHaveLength(TRICKY_EMPLOYEES.length);
    expect(await moto.pendingUploads(`${prefix}/`)).toEqual([]);
  });

  it("the worker's temp sweep aborts a dead writer's multipart upload under the prefix, and leaves other prefixes alone", async () => {
    // A worker that sweeps every second, started for this test only: moto dates every upload's
    // Initiated in 2010, so on moto a sweep also takes a LIVE upload whose first part has not
    // landed yet for stale (ADR 050); the other tests' writers must not meet such a sweep.
    const sweeper = await startWorker({ ...ENV, ...s3Env(`http://127.0.0.1:${s3.port}`, prefix), STORAGE_DIR: await emptyDir('sweeper'), STORAGE_TMP_SWEEP_INTERVAL_MS: '1000' });
    try {
      // moto reports every upload's Initiated as a fixed 2010 date, so the part's age is what the
      // sweep can go by here: a writer that sent one part and died.
      const deadKey = `${prefix}/exports/dead-writer.csv`;
      const dead = await moto.admin.send(new CreateMultipartUploadCommand({ Bucket: S3_BUCKET, Key: deadKey }));
      await moto.admin.send(new UploadPartCommand({ Bucket: S3_BUCKET, Key: deadKey, UploadId: dead.UploadId, PartNumber: 1, Body: Buffer.from('a,b\n') }));
      const foreign = await moto.admin.send(new CreateMultipartUploadCommand({ Bucket: S3_BUCKET, Key: `not-porter/${prefix}/x` }));
      const sentAt = Date.now();
      // Its part is fresh (STORAGE_TMP_MAX_AGE_MS is 10 s): sweeps every second leave it.
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await moto.pendingUploads(`${prefix}/`)).toEqual([`${deadKey} ${dead.UploadId}`]);
      await waitFor(async () => ((await moto.pendingUploads(`${prefix}/`)).length === 0 ? true : null), {
        timeoutMs: 25_000,
        intervalMs: 250,
        what: 'the sweep to abort the stale upload',
      });
      // Part times have one-second resolution in S3 listings.
      expect(Date.now() - sentAt).toBeGreaterThanOrEqual(9_000);
      expect(await moto.pendingUploads('not-porter/')).toEqual([`not-porter/${prefix}/x ${foreign.UploadId}`]);
    } finally {
      await sweeper.stop();
    }
  }, 60_000);

  it('wrote nothing to any local STORAGE_DIR', async () => {
    for (const dir of localDirs) {
      const found: string[] = [];
      const walk = async (d: string) => {
        for (const e of await fs.readdir(d, { withFileTypes: true })) {
          if (e.isDirectory()) await walk(path.join(d, e.name));
          else found.push(path.join(d, e.name));
        }
      };
      await walk(dir);
      expect(found).toEqual([]);
    }
  });
});

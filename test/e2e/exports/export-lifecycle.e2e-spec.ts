import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { Pool } from 'pg';
import { parse } from 'csv-parse/sync';
import { seedEmployees } from '@porter/directory';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, ExportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from './export-support';

const ROWS = 20_000;
// Throttled so that an export runs for a few seconds: long enough to cancel it or kill its worker.
const WORKER_ENV = {
  ...EXPORT_ENV,
  EXPORT_BATCH_SIZE: '500',
  EXPORT_MAX_ROWS_PER_SECOND: '5000',
  EXPORT_RETENTION_PURGE_INTERVAL_MS: '1000',
};

/** Retention purge, cancellation, and a worker killed mid-export. */
describe('export lifecycle (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  const small = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let pool: Pool;
  let admin: ExportsClient;
  let smallAdmin: ExportsClient;

  const job = async (id: string) => (await admin.call('GET', `/api/v1/jobs/${id}`)).json;
  const storedFiles = async (jobId: string) => fs.readdir(path.join(process.env.STORAGE_DIR!, 'job-queue', jobId)).catch(() => [] as string[]);

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await seedEmployees(pool, { tenant, count: ROWS, seed: 11 });
    await insertEmployees(pool, small, TRICKY_EMPLOYEES);
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    worker = await startWorker(WORKER_ENV);
    admin = exportsClient(started.baseUrl, bearer('ada', tenant, { admin: true }));
    smallAdmin = exportsClient(started.baseUrl, bearer('ada', small, { admin: true }));
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
  });

  it('purges expired files on schedule, answers 410, and keeps the record', async () => {
    const res = await smallAdmin.request({ type: 'employees', format: 'csv' });
    const info = await waitForExport(smallAdmin, res.json.id);
    expect((await smallAdmin.download(info.id)).status).toBe(200);
    const { rows } = await pool.query('SELECT storage_key FROM exports.export_result WHERE id = $1', [info.result.id]);
    const file = path.join(process.env.STORAGE_DIR!, rows[0].storage_key);
    await expect(fs.stat(file)).resolves.toBeTruthy();

    await pool.query(`UPDATE exports.export_result SET expires_at = now() - interval '1 minute' WHERE id = $1`, [info.result.id]);
    // Past its expiry the export says expired and download answers 410 at once, purged or not yet.
    const pastExpiry = (await smallAdmin.get(info.id)).json;
    expect(pastExpiry.result.expired).toBe(true);
    expect(pastExpiry.downloadUrl).toBeNull();
    expect((await smallAdmin.download(info.id)).status).toBe(410);
    await waitFor(
      async () => (await pool.query('SELECT expired_at FROM exports.export_result WHERE id = $1', [info.result.id])).rows[0].expired_at,
      { timeoutMs: 15_000, what: 'the retention purge' },
    );
    const expired = (await smallAdmin.get(info.id)).json;
    expect(expired).toMatchObject({ status: 'succeeded', outcome: 'success', itemsCount: TRICKY_EMPLOYEES.length });
    expect(expired.result).toMatchObject({ expired: true, downloadCount: 1 });
    const gone = await smallAdmin.download(info.id);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('content-type')).toMatch(/application\/problem\+json/);
    await expect(fs.stat(file)).rejects.toThrow(/ENOENT/);
    // The job no longer lists the file whose bytes are gone (its read would answer 410).
    const jobAfter = (await smallAdmin.call('GET', `/api/v1/jobs/${info.jobId}`)).json;
    expect(jobAfter.outputFiles).toEqual([]);
    const listed = (await smallAdmin.call('GET', `/api/v1/jobs/${info.jobId}/files`)).json;
    expect((listed.items ?? listed).filter((f: { kind: string }) => f.kind === 'output')).toEqual([]);
    // Unexpired exports are untouched.
    const fresh = await smallAdmin.request({ type: 'employees', format: 'jsonl' });
    const freshInfo = await waitForExport(smallAdmin, fresh.json.id);
    expect((await smallAdmin.download(freshInfo.id)).status).toBe(200);
  });

  it('stops a cancelled export within a batch and leaves no file', async () => {
    const res = await admin.request({ type: 'employees', format: 'xlsx' });
    const { jobId, id } = res.json;
    await waitFor(async () => (await job(jobId)).progress.processed >= 2000, { timeoutMs: 20_000, what: 'the export to be under way' });
    const cancel = await admin.call('POST', `/api/v1/jobs/${jobId}/cancel`);
    expect(cancel.status).toBe(200);
    const requestedAt = (await job(jobId)).progress.processed;
    const info = await waitForExport(admin, id, ['cancelled'], 20_000);
    expect(info.result).toBeNull();
    const finished = await waitFor(async () => {
      const j = await job(jobId);
      return j.status === 'cancelled' ? j : null;
    });
    expect(finished.outputFiles).toEqual([]);
    // Seen on the next heartbeat (200 ms here), acted on before the next batch: far from the end.
    expect(finished.progress.processed).toBeLessThan(requestedAt + 2000);
    expect(finished.progress.processed).toBeLessThan(ROWS);
    expect(await storedFiles(jobId)).toEqual([]);
    expect((await admin.download(id)).status).toBe(409);

    // Retrying the job runs the export again, to a complete file.
    expect((await admin.call('POST', `/api/v1/jobs/${jobId}/retry`)).status).toBe(200);
    // The export reads cancelled until a worker picks the retried job up again (waitForExport
    // would stop at once on that terminal status).
    await waitFor(async () => (await admin.get(id)).json.status !== 'cancelled', { timeoutMs: 30_000, what: 'the retried export to start' });
    const retried = await waitForExport(admin, id, ['succeeded'], 30_000);
    expect(retried).toMatchObject({ outcome: 'success', itemsCount: ROWS, errorMessage: null });
    expect((await admin.download(id)).status).toBe(200);
  });

  it('cancels a running export when it is deleted', async () => {
    const res = await admin.request({ type: 'employees', format: 'csv' });
    await waitFor(async () => (await job(res.json.jobId)).progress.processed > 0, { timeoutMs: 20_000, what: 'the export to start' });
    expect((await admin.remove(res.json.id)).status).toBe(204);
    expect((await admin.get(res.json.id)).status).toBe(404);
    await waitFor(async () => (await job(res.json.jobId)).status === 'cancelled', { timeoutMs: 20_000, what: 'the job to stop' });
    expect(await storedFiles(res.json.jobId)).toEqual([]);
    // Its job retried by hand fails, saying why (it "succeeded" having made nothing).
    expect((await admin.call('POST', `/api/v1/jobs/${res.json.jobId}/retry`)).status).toBe(200);
    await waitFor(async () => ['succeeded', 'failed'].includes((await job(res.json.jobId)).status), { timeoutMs: 20_000, what: 'the retried job to end' });
    expect(await job(res.json.jobId)).toMatchObject({ status: 'failed', errorDetails: `export ${res.json.id} was deleted; there is nothing to run`, outputFiles: [] });
  });

  it('produces one complete file after the worker is SIGKILLed mid-export', async () => {
    const res = await admin.request({ type: 'employees', format: 'csv' });
    const { jobId, id } = res.json;
    await waitFor(async () => (await job(jobId)).progress.processed >= 3000, { timeoutMs: 20_000, what: 'the export to be half way' });
    worker.child.kill('SIGKILL');
    await worker.stop();
    expect((await admin.get(id)).json.status).toBe('running');
    worker = await startWorker(WORKER_ENV);

    const info = await waitForExport(admin, id, ['succeeded'], 60_000);
    const finished = await job(jobId);
    // the crash used up no attempt: a stall, counted apart
    expect(finished).toMatchObject({ attempts: 1, stalls: 1 });
    expect(finished.outputFiles).toEqual([info.result.fileName]);
    expect(await storedFiles(jobId)).toHaveLength(1);
    const file = await admin.download(id);
    const rows: string[][] = parse(file.bytes, { bom: true });
    expect(rows[0][0]).toBe('id');
    expect(rows).toHaveLength(ROWS + 1);
    expect(new Set(rows.slice(1).map((r) => r[0])).size).toBe(ROWS);
    const { rows: ids } = await pool.query('SELECT id::text FROM directory.employee WHERE tenant = $1 ORDER BY id', [tenant]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(ids.map((r: { id: string }) => r.id));
    expect(info).toMatchObject({ outcome: 'success', itemsCount: ROWS });
  });
});

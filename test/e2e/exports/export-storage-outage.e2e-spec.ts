import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker, WorkerProcess } from '../../support/processes';
import { startTcpProxy, TcpProxy } from '../../support/tcp-proxy';
import { StopWaiting, waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, ExportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from './export-support';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  httpServer?: { closeAllConnections?: () => void };
};

const BUCKET = 'porter-outage';
const ROWS = 100_000;

/**
 * The file store going away while exports run (ADR 091), against a real S3 server (s3rver) behind
 * a TCP forwarder that the test cuts (new connections refused, open ones dropped) and restores.
 * The worker must survive (it used to die of an unheard 'error' event on the storage stream),
 * the attempt must fail with the storage error, and the outage must use up no attempts: with the
 * default 3 attempts and a 1 s backoff, S3 down for longer than the 3 s those would take still
 * ends `succeeded`, at attempt 1.
 */
describe('exports while S3 is unreachable (e2e, ADR 091)', () => {
  const tenant = `t-${randomUUID()}`;
  let s3: InstanceType<typeof S3rver>;
  let proxy: TcpProxy;
  let directory: string;
  let api: PorterProcess;
  let worker: WorkerProcess;
  let pool: Pool;
  let admin: ExportsClient;

  beforeAll(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-s3-outage-'));
    s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET }] });
    const { port } = await s3.run();
    proxy = await startTcpProxy('127.0.0.1', port);
    const env = {
      ...EXPORT_ENV,
      JOB_MAX_ATTEMPTS: '3',
      JOB_BACKOFF_MS: '1000',
      // ~2 s to the first 5 MiB part, ~5 s for the whole file: the outage hits a multipart upload.
      EXPORT_MAX_ROWS_PER_SECOND: '20000',
      STORAGE_DRIVER: 's3',
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: `http://127.0.0.1:${proxy.port}`,
      S3_FORCE_PATH_STYLE: 'true',
      S3_KEY_PREFIX: `run-${randomUUID().slice(0, 8)}`,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    };
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    await pool.query(
      `INSERT INTO directory.employee (tenant, first_name, last_name, email, department, active)
       SELECT $1, 'First ' || n, 'Last ' || n, 'person' || n || '@example.com', CASE WHEN n % 2 = 0 THEN 'Sales' ELSE 'Ops' END, true
         FROM generate_series(1, $2::int) AS n`,
      [tenant, ROWS - TRICKY_EMPLOYEES.length],
    );
    const started = await startApi(env);
    api = started.process;
    worker = await startWorker(env);
    admin = exportsClient(started.baseUrl, bearer('ada', tenant, { admin: true }));
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
    await proxy?.close();
    s3?.httpServer?.closeAllConnections?.();
    await s3?.close();
    await fs.rm(directory, { recursive: true, force: true });
  });

  const job = async (jobId: string) => (await admin.call('GET', `/api/v1/jobs/${jobId}`)).json;
  const events = async (jobId: string): Promise<Array<{ type: string; data: Record<string, unknown> }>> =>
    (await admin.call('GET', `/api/v1/jobs/${jobId}/events`)).json;

  /** The worker process is alive and answers its liveness probe. */
  async function expectWorkerAlive(): Promise<void> {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) {
      throw new Error(`the worker died (${worker.child.signalCode ?? `exit code ${worker.child.exitCode}`}):\n${worker.output().slice(-4000)}`);
    }
    expect((await fetch(`${worker.opsUrl}/health`)).status).toBe(200);
  }

  /** Waits for the job's first attempt that failed on storage (an uncounted `retrying` event). */
  async function firstStorageFailure(jobId: string): Promise<Record<string, unknown>> {
    return waitFor(
      async () => {
        if (worker.child.exitCode !== null || worker.child.signalCode !== null) throw new StopWaiting(`the worker died:\n${worker.output().slice(-4000)}`);
        const { status } = await job(jobId);
        if (['succeeded', 'failed', 'cancelled'].includes(status)) throw new StopWaiting(`job ended ${status} during the outage`);
        return (await events(jobId)).find((e) => e.type === 'retrying')?.data;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: 'an attempt failing on storage' },
    );
  }

  it('survives S3 going away in the middle of a multipart upload, and finishes the export once S3 is back, at attempt 1', async () => {
    const requested = await admin.request({ type: 'employees', format: 'csv' });
    expect(requested.status).toBe(202);
    const { id, jobId } = requested.json;
    // Cut S3 once rows are flowing, before the first 5 MiB part is due.
    await waitFor(async () => ((await job(jobId)).progress?.processed ?? 0) >= 5000 || null, { timeoutMs: 60_000, intervalMs: 50, what: 'the export to be writing' });
    await proxy.cut();
    const failure = await firstStorageFailure(jobId);
    expect(String(failure.error)).toMatch(/^storage unreachable: .*(ECONNREFUSED|ECONNRESET|socket hang up).*\(attempt not counted: waiting for storage, retrying in 1 s\)$/);
    expect(failure).toMatchObject({ attempt: 1, counted: false, dependency: 'storage', outageRetries: 1, delayMs: 1000 });
    await expectWorkerAlive();

    // Longer than the 3 attempts of 1 s + 2 s backoff would have lasted.
    await new Promise((r) => setTimeout(r, 6000));
    await expectWorkerAlive();
    const during = await job(jobId);
    expect(['pending', 'running']).toContain(during.status);
    expect(during.errorDetails).toMatch(/^storage unreachable: .*attempt not counted: waiting for storage, retrying in \d+ s\)$/);
    expect((await admin.get(id)).json.status).not.toBe('failed');

    await proxy.restore();
    const done = await waitForExport(admin, id, ['succeeded'], 90_000);
    expect(done.itemsCount).toBe(ROWS);
    // (the job's success is written with the worker's next round, a moment after the export's)
    const after = await waitFor(async () => ((await job(jobId)).status === 'succeeded' ? job(jobId) : null), { timeoutMs: 10_000, what: 'the job to succeed' });
    expect(after).toMatchObject({ status: 'succeeded', attempts: 1 });
    const retries = (await events(jobId)).filter((e) => e.type === 'retrying');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.every((e) => e.data.counted === false && e.data.attempt === 1)).toBe(true);
    const file = await admin.download(id);
    expect(file.status).toBe(200);
    const records = parse(file.bytes, { bom: true, relax_column_count: false }) as string[][];
    expect(records).toHaveLength(ROWS + 1);
    await expectWorkerAlive();
  });

  it('retries an export whose store is down from the start (its commit fails) without using up attempts, and finishes it when S3 returns', async () => {
    await proxy.cut();
    try {
      const requested = await admin.request({ type: 'employees', format: 'jsonl', ids: TRICKY_EMPLOYEES.map(() => randomUUID()), compression: 'gzip' });
      expect(requested.status).toBe(202);
      const { jobId } = requested.json;
      await firstStorageFailure(jobId);
      // 1 s, 2 s, 4 s…: several attempts' worth of failures, none counted.
      await waitFor(async () => {
        const { status } = await job(jobId);
        if (['succeeded', 'failed', 'cancelled'].includes(status)) throw new StopWaiting(`job ended ${status} during the outage: ${(await job(jobId)).errorDetails}`);
        return (await events(jobId)).filter((e) => e.type === 'retrying').length >= 4 || null;
      }, {
        timeoutMs: 60_000,
        intervalMs: 200,
        what: 'four uncounted retries',
      });
      await expectWorkerAlive();
      expect((await job(jobId)).attempts).toBeLessThanOrEqual(1);
      await proxy.restore();
      await waitFor(async () => ((await job(jobId)).status === 'succeeded' ? true : null), { timeoutMs: 90_000, intervalMs: 200, what: 'the job to succeed' });
      expect(await job(jobId)).toMatchObject({ status: 'succeeded', attempts: 1 });
    } finally {
      await proxy.restore().catch(() => undefined);
    }
  });
});

import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { employeeCount, employeesCsv, IMPORT_ENV, importsClient, withDb } from './import-support';

describe('exactly once across a worker crash', () => {
  let api: { process: PorterProcess; baseUrl: string };
  const workers: PorterProcess[] = [];

  beforeAll(async () => {
    api = await startApi(IMPORT_ENV);
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), ...workers.map((w) => w.stop())]);
  });

  it('SIGKILL of the worker halfway through a 100,000-row import leaves exactly 100,000 employees and 100,000 results', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const recordId = await c.createRecord();
    const up = await c.upload(recordId, employeesCsv(100_000), 'big.csv');
    expect(up.status).toBe(202);
    const batchId = up.json.id as string;

    const first = await startWorker(IMPORT_ENV);
    workers.push(first);
    // Halfway: some chunks committed, the batch not finished.
    const seen = await waitFor(
      async () => {
        const b = await c.batch(recordId, batchId);
        return b.lastCommittedRow >= 40_000 ? b : null;
      },
      { timeoutMs: 120_000, intervalMs: 20, what: 'the first worker to commit 40,000 rows' },
    );
    first.child.kill('SIGKILL');
    await first.stop();
    expect(seen.status).toBe('started');
    const atKill = (await c.batch(recordId, batchId)).lastCommittedRow;
    expect(atKill).toBeLessThan(100_000);

    const second = await startWorker(IMPORT_ENV);
    workers.push(second);
    const batch = await c.waitForBatch(recordId, batchId, 180_000);
    expect(batch).toMatchObject({ status: 'completed', counts: { total: 100_000, completed: 100_000, failed: 0 }, lastCommittedRow: 100_000 });
    expect(await employeeCount(tenant)).toBe(100_000);
    const results = await withDb(async (db) =>
      (
        await db.query(
          `SELECT count(*)::int AS n, count(DISTINCT row_number)::int AS rows, min(row_number) AS lo, max(row_number) AS hi,
                  count(DISTINCT reference_id)::int AS refs
             FROM imports.import_result WHERE import_batch_id = $1`,
          [batchId],
        )
      ).rows[0],
    );
    expect(results).toEqual({ n: 100_000, rows: 100_000, lo: 1, hi: 100_000, refs: 100_000 });
    const job = await c.call('GET', `/api/v1/jobs/${batch.jobId}`);
    expect(job.json.status).toBe('succeeded');
    // the crash is a stall (ADR 041), not a used-up attempt
    expect(job.json.stalls).toBeGreaterThanOrEqual(1);
    expect(job.json.attempts).toBe(1);
  });
});

import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { employeeCount, employeesCsv, IMPORT_ENV, importsClient } from './import-support';

/** What the batch's JOB says: failed when the file cannot be read, and progress that is exactly the committed rows. */
describe('imports: the job tells the truth (e2e)', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  beforeAll(async () => {
    [api, worker] = await Promise.all([startApi(IMPORT_ENV), startWorker(IMPORT_ENV)]);
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
  });

  it('a file that cannot be read fails the job (not only the batch), once, with the reason; no row is written', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const { recordId, batch } = await c.importFile(`first_name,last_name,email\nAda,Lovelace,ada@example.com\n"Grace,Hopper,grace@example.com\n`, 'broken.csv');
    expect(batch).toMatchObject({ status: 'failed', counts: { total: 0 } });
    expect(batch.errorDetails).toContain('unterminated quoted field');
    const job = await waitFor(async () => {
      const j = (await c.call('GET', `/api/v1/jobs/${batch.jobId}`)).json;
      return j.status === 'failed' ? j : null;
    }, { what: 'the job to fail' });
    expect(job.attempts).toBe(1);
    expect(job.errorDetails).toBe(`the file was refused: ${batch.errorDetails}`);
    // The uploader's to fix, not the operators': the worker logs it as a warning, not an error.
    const lines = worker
      .output()
      .split('\n')
      .filter((line) => line.includes(batch.jobId))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringMatching(/^job failed: its input was refused /) }));
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    expect(await employeeCount(tenant)).toBe(0);
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches[0].status).toBe('failed');
  });

  it('progress never runs ahead of the committed rows, and a cancelled import shows exactly the rows it committed', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const recordId = await c.createRecord();
    const up = await c.upload(recordId, employeesCsv(200_000), 'big.csv');
    expect(up.status).toBe(202);
    const batchId = up.json.id as string;
    const jobId = up.json.jobId as string;
    let samples = 0;
    // Job first, then batch: the batch's checkpoint can only have moved on in between.
    await waitFor(
      async () => {
        const job = (await c.call('GET', `/api/v1/jobs/${jobId}`)).json;
        const batch = await c.batch(recordId, batchId);
        expect(job.progress.processed).toBeLessThanOrEqual(batch.lastCommittedRow);
        samples++;
        return batch.lastCommittedRow >= 20_000 ? true : null;
      },
      { timeoutMs: 120_000, intervalMs: 5, what: 'some chunks to commit' },
    );
    const cancel = await c.call('POST', `/api/v1/jobs/${jobId}/cancel`);
    expect([200, 202]).toContain(cancel.status);
    const job = await waitFor(async () => {
      const j = (await c.call('GET', `/api/v1/jobs/${jobId}`)).json;
      return j.status === 'cancelled' ? j : null;
    }, { timeoutMs: 60_000, what: 'the cancel to finish' });
    const batch = await c.batch(recordId, batchId);
    expect(batch.lastCommittedRow).toBeLessThan(200_000);
    expect(job.progress).toMatchObject({ processed: batch.lastCommittedRow, total: 200_000 });
    expect(await employeeCount(tenant)).toBe(batch.lastCommittedRow);
    expect(samples).toBeGreaterThan(1);
  });
});

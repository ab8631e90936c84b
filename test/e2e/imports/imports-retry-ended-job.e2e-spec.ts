import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';
import { employeeCount, employeesCsv, importProcesses, importsClient } from './import-support';

describe('imports: retrying a batch whose job ended before its file was read', () => {
  const api = importProcesses();

  /** POST /jobs/{id}/retry, then the job's end. */
  async function retryJob(c: ReturnType<typeof importsClient>, jobId: string): Promise<any> {
    expect((await c.call('POST', `/api/v1/jobs/${jobId}/retry`)).status).toBe(200);
    return waitFor(
      async () => {
        const job = (await c.call('GET', `/api/v1/jobs/${jobId}`)).json;
        return ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : null;
      },
      { timeoutMs: 60_000, intervalMs: 100, what: `job ${jobId} to end` },
    );
  }

  it("retrying the ended batch's job by hand fails with the reason and the way on, and leaves the batch retryable", async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const { recordId, up } = await c.uploadScheduled(employeesCsv(4));
    expect((await c.call('POST', `/api/v1/jobs/${up.json.jobId}/cancel`)).status).toBe(200);
    const failed = await c.waitForBatch(recordId, up.json.id);

    // It "succeeded" at importing nothing before.
    const job = await retryJob(c, up.json.jobId);
    expect(job.status).toBe('failed');
    expect(job.errorDetails).toContain(`has already failed (${failed.errorDetails})`);
    expect(job.errorDetails).toContain(`/api/v1/imports/${recordId}/batches/${up.json.id}/retry-failed-rows`);
    expect(await c.batch(recordId, up.json.id)).toMatchObject({ status: 'failed', errorDetails: failed.errorDetails, counts: { total: 0 } });
    expect(await employeeCount(tenant)).toBe(0);

    // The run of the old job did not take the batch over: retrying its rows still starts it afresh.
    const retry = await c.call('POST', `/api/v1/imports/${recordId}/batches/${up.json.id}/retry-failed-rows`);
    expect(retry.status).toBe(202);
    expect(await c.waitForBatch(recordId, up.json.id)).toMatchObject({ status: 'completed', counts: { total: 4, completed: 4 } });
    expect(await employeeCount(tenant)).toBe(4);
  });

  it("retrying a refused file's job by hand fails again with the refusal", async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const { recordId, batch } = await c.importFile('first_name,last_name,email\n');
    expect(batch).toMatchObject({ status: 'failed', errorDetails: 'the file has a header row but no data rows' });
    const job = await retryJob(c, batch.jobId);
    expect(job.status).toBe('failed');
    expect(job.errorDetails).toContain('the file has a header row but no data rows');
    expect(job.errorDetails).toContain('upload a corrected file instead');
    expect((await c.batch(recordId, batch.id)).status).toBe('failed');
  });

  it('a batch whose job was cancelled before it ran is processed from the start on retry', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const { recordId, up } = await c.uploadScheduled(employeesCsv(4));
    expect((await c.call('POST', `/api/v1/jobs/${up.json.jobId}/cancel`)).status).toBe(200);
    const failed = await c.waitForBatch(recordId, up.json.id);
    expect(failed).toMatchObject({ status: 'failed', counts: { total: 0 } });

    const retry = await c.call('POST', `/api/v1/imports/${recordId}/batches/${up.json.id}/retry-failed-rows`);
    expect(retry.status).toBe(202);
    expect(retry.json).toMatchObject({ status: 'started', errorDetails: null });
    expect(retry.json.jobId).not.toBe(up.json.jobId);
    expect(await c.waitForBatch(recordId, up.json.id)).toMatchObject({ status: 'completed', counts: { total: 4, completed: 4 } });
    expect(await employeeCount(tenant)).toBe(4);
  });

  it('a batch whose file was refused still answers 409 (the same file would be refused again)', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    // The header is fine (so the upload is accepted); the structural pass refuses the file.
    const { recordId, batch } = await c.importFile('first_name,last_name,email\n"Ada,Lovelace,ada@example.com\n');
    expect(batch.status).toBe('failed');
    const retry = await c.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`);
    expect(retry.status).toBe(409);
    expect(retry.json.detail).toContain('upload a corrected file instead');
  });
});

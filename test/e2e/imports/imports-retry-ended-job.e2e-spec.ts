import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { employeeCount, employeesCsv, importProcesses, importsClient } from './import-support';

describe('imports: retrying a batch whose job ended before its file was read', () => {
  const api = importProcesses();

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

import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { employeeCount, importProcesses, importsClient } from './import-support';

/**
 * retry-failed-rows validates a row again from its stored cells. A row the reader refused, or
 * one with a value jsonb cannot hold, is stored with its failure, which a retry repeats: it
 * imported such rows before (a key given twice, an unknown key dropped, NUL stored as U+FFFD).
 */
describe('imports: a retry repeats the failures its stored cells cannot show', () => {
  const api = importProcesses();

  it('JSON Lines: doubled and unknown keys, NUL, a line that is not an object, a number past 2^53 stay failed with their words', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { admin: true }));
    const lines = [
      '{"first_name":"A","last_name":"B","email":"k2@k.com","EMAIL":"k2b@k.com"}',
      '{"first_name":"A","last_name":"B","email":"k4@k.com","notes":"a\\u0000b"}',
      '{"first_name":"La","last_name":"L","email":"la@y.com","extra":1}',
      '[1,2]',
      '{"first_name":"N","last_name":"N","email":"n@y.com","salary":9007199254740993}',
      '{"first_name":"Ok","last_name":"Row","email":"ok@y.com"}',
    ];
    const { recordId, batch } = await c.importFile(lines.join('\n') + '\n', 'k.jsonl');
    expect(batch).toMatchObject({ status: 'partially_failed', counts: { total: 6, completed: 1, failed: 5 } });
    const before = (await c.results(recordId, batch.id, '?status=failed')).items.map((r: { rowNumber: number; failureDetails: string }) => [r.rowNumber, r.failureDetails]);
    expect(before).toHaveLength(5);

    const retry = await c.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`);
    expect(retry.status).toBe(202);
    const after = await c.waitForBatch(recordId, batch.id);
    expect(after).toMatchObject({ status: 'partially_failed', counts: { total: 6, completed: 1, failed: 5 } });
    const again = (await c.results(recordId, batch.id, '?status=failed')).items.map((r: { rowNumber: number; failureDetails: string }) => [r.rowNumber, r.failureDetails]);
    expect(again).toEqual(before);
    expect(await employeeCount(tenant)).toBe(1);
    // The failed-rows file shows the rows as the file had them, never the stored failure marker.
    const failedRows = await c.call('GET', `/api/v1/imports/${recordId}/batches/${batch.id}/failed-rows`);
    expect(failedRows.status).toBe(200);
    expect(failedRows.text).toContain(',A,B,k4@k.com,');
    expect(failedRows.text).not.toContain('$failed');
  });

  it('CSV: a NUL in a cell stays a failure on retry (it was stored as U+FFFD and imported)', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { admin: true }));
    const { recordId, batch } = await c.importFile('first_name,last_name,email,notes\nA,B,r4@z.com,"a\u0000b"\nC,D,ok@z.com,fine\n', 'd.csv');
    expect(batch).toMatchObject({ counts: { total: 2, completed: 1, failed: 1 } });
    const [failed] = (await c.results(recordId, batch.id, '?status=failed')).items;
    expect(failed.failureDetails).toContain('NUL');
    expect((await c.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`)).status).toBe(202);
    expect(await c.waitForBatch(recordId, batch.id)).toMatchObject({ counts: { total: 2, completed: 1, failed: 1 } });
    expect((await c.results(recordId, batch.id, '?status=failed')).items[0].failureDetails).toBe(failed.failureDetails);
    expect(await employeeCount(tenant)).toBe(1);
  });
});

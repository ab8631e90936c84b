import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { EMPLOYEE_HEADER, employeeRow, importProcesses, importsClient } from './import-support';

interface Counts {
  total: number;
  completed: number;
  failed: number;
  partiallyFailed: number;
  retrying: number;
}

/** Every count but `total`, summed (whatever the keys: the check does not rely on `retrying`). */
const sum = (c: Counts) => Object.entries(c).reduce((n, [key, value]) => (key === 'total' ? n : n + value), 0);

/**
 * While retry-failed-rows runs, the rows being retried are counted as `retrying` (their results'
 * status): the counts add up to `total` at every moment. They were left out until the batch
 * ended (a retry of 3 failed rows of 5 showed `total: 5, completed: 2, failed: 0`).
 */
describe('imports: the counts of a batch add up while its failed rows are retried', () => {
  const api = importProcesses();

  it('the retry answer, every state seen during a three-chunk retry, and the end', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('root', tenant, { admin: true }));
    const rows = 12_000;
    const lines = [EMPLOYEE_HEADER];
    // Every row but the first 1,000 fails (a bad salary): 11,000 rows, three retry chunks of 5,000.
    for (let i = 1; i <= rows; i++) lines.push(employeeRow(i, i > 1000 ? { salary: 'n/a' } : {}));
    const { recordId, batch } = await c.importFile(`${lines.join('\n')}\n`, 'many.csv');
    expect(batch).toMatchObject({ status: 'partially_failed', counts: { total: rows, completed: 1000, failed: 11_000, partiallyFailed: 0 } });

    const retry = await c.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`);
    expect(retry.status).toBe(202);
    expect(sum(retry.json.counts)).toBe(retry.json.counts.total);
    expect(retry.json).toMatchObject({ status: 'started', counts: { total: rows, completed: 1000, failed: 0, partiallyFailed: 0, retrying: 11_000 } });

    // Every state the batch shows until it ends adds up (each GET reads one committed state).
    const seen: Counts[] = [];
    let last = retry.json;
    const deadline = Date.now() + 120_000;
    while (!['completed', 'partially_failed', 'failed'].includes(last.status) && Date.now() < deadline) {
      last = await c.batch(recordId, batch.id);
      seen.push(last.counts);
    }
    expect(last).toMatchObject({ status: 'partially_failed', counts: { total: rows, completed: 1000, failed: 11_000, partiallyFailed: 0, retrying: 0 } });
    expect(seen.filter((counts) => sum(counts) !== counts.total || counts.total !== rows)).toEqual([]);
    // The batch was seen mid-retry, not only before and after (or the loop proved nothing).
    expect(seen.some((counts) => counts.retrying > 0)).toBe(true);
  });
});

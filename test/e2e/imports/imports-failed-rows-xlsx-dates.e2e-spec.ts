import { randomUUID } from 'crypto';
import { parse } from 'csv-parse/sync';
import { bearer } from '../../support/int-app';
import { buildXlsx, sheetXml } from '../../fixtures/imports/hostile-files';
import { importProcesses, importsClient, withDb } from './import-support';

/**
 * The failed-rows CSV of an XLSX batch is the fix-and-reupload loop's file: a date cell the XLSX
 * reader read as an Excel serial (45444.5625 = 2024-06-01 13:30) is written as the ISO date it
 * imports as, so correcting only the bad cell and uploading the file as CSV imports the row.
 * (It kept the serial number, which CSV refuses: the re-upload failed on the date.)
 */
describe('imports: the failed-rows CSV of an XLSX batch writes dates as CSV reads them', () => {
  const api = importProcesses();

  it('a serial date comes back ISO; the corrected file imports as CSV; retry-failed-rows still reads the stored serial', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { admin: true }));
    const xlsx = await buildXlsx({
      Staff: sheetXml([
        ['first_name', 'last_name', 'email', 'salary', 'hired_at', 'notes'],
        ['Ada', 'Lovelace', 'ada@example.com', '12,5', 45444.5625, 'serial date with a time'],
        ['Grace', 'Hopper', 'grace@example.com', 100, 43831, 'fine'],
        ['Alan', 'Turing', 'alan@example.com', 'ten', '2019-05-04', 'text date'],
      ]),
    });
    const recordId = await c.createRecord();
    const up = await c.upload(recordId, xlsx, 'staff.xlsx');
    expect(up.status).toBe(202);
    const batch = await c.waitForBatch(recordId, up.json.id);
    expect(batch).toMatchObject({ format: 'xlsx', status: 'partially_failed', counts: { total: 3, completed: 1, failed: 2 } });

    const file = await c.call('GET', `/api/v1/imports/${recordId}/batches/${batch.id}/failed-rows`);
    expect(file.status).toBe(200);
    const [header, ...rows] = parse(file.text, { bom: true }) as string[][];
    expect(header).toEqual(['first_name', 'last_name', 'email', 'salary', 'hired_at', 'notes', 'error']);
    expect(rows.map((r) => r.slice(0, 6))).toEqual([
      ['Ada', 'Lovelace', 'ada@example.com', '12,5', '2024-06-01', 'serial date with a time'],
      ['Alan', 'Turing', 'alan@example.com', 'ten', '2019-05-04', 'text date'],
    ]);

    // retry-failed-rows validates the stored cells again (the serial, with the XLSX rules): the
    // rows fail for their salary alone, as before.
    const failedBefore = (await c.results(recordId, batch.id, '?status=failed')).items.map((r: any) => r.failureDetails);
    expect(failedBefore.every((f: string) => f.startsWith('column "salary"') && !f.includes('hired_at'))).toBe(true);
    expect((await c.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`)).status).toBe(202);
    expect(await c.waitForBatch(recordId, batch.id)).toMatchObject({ status: 'partially_failed', counts: { total: 3, completed: 1, failed: 2 } });
    expect((await c.results(recordId, batch.id, '?status=failed')).items.map((r: any) => r.failureDetails)).toEqual(failedBefore);

    // Only the bad cells corrected, the file uploaded again as CSV (its `error` column is ignored).
    const fixed = file.text.replace('"12,5"', '12.50').replace(',ten,', ',10,');
    const again = await c.createRecord();
    const reup = await c.upload(again, fixed, 'staff-failed-rows.csv');
    expect(reup.status).toBe(202);
    expect(await c.waitForBatch(again, reup.json.id)).toMatchObject({ format: 'csv', status: 'completed', counts: { total: 2, completed: 2, failed: 0 } });
    const stored = await withDb(
      async (db) => (await db.query('SELECT email, salary::text, hired_at::text FROM directory.employee WHERE tenant = $1 ORDER BY email', [tenant])).rows,
    );
    expect(stored).toEqual([
      { email: 'ada@example.com', salary: '12.50', hired_at: '2024-06-01' },
      { email: 'alan@example.com', salary: '10.00', hired_at: '2019-05-04' },
      { email: 'grace@example.com', salary: '100.00', hired_at: '2020-01-01' },
    ]);
  });

  it("a row with an Excel error value fails naming the error and the row's other problems, in column order", async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { admin: true }));
    const sheet = sheetXml([
      ['first_name', 'last_name', 'email', 'salary', 'hired_at', 'notes'],
      ['Ada', 'Lovelace', 'not-an-email', '#DIV/0!', '2019-05-04', 'error value and a bad email'],
      ['Grace', 'Hopper', 'grace@example.com', '#N/A', '2019-05-04', 'error value alone'],
    ]).replace(/ t="inlineStr"><is><t>(#DIV\/0!|#N\/A)<\/t><\/is>/g, ' t="e"><v>$1</v>');
    const recordId = await c.createRecord();
    const up = await c.upload(recordId, await buildXlsx({ Staff: sheet }), 'staff.xlsx');
    expect(up.status).toBe(202);
    const batch = await c.waitForBatch(recordId, up.json.id);
    expect(batch).toMatchObject({ status: 'failed', counts: { total: 2, completed: 0, failed: 2 } });
    expect((await c.results(recordId, batch.id, '?status=failed')).items.map((r: any) => [r.rowNumber, r.failureDetails])).toEqual([
      [1, 'column "email": value "not-an-email" is not an email address (rule: email); column "salary": value "#DIV/0!" is an Excel error, not a value (rule: no error values)'],
      [2, 'column "salary": value "#N/A" is an Excel error, not a value (rule: no error values)'],
    ]);
  });
});

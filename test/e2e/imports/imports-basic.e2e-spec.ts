import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { EMPLOYEE_HEADER, employeeCount, employeeRow, employeesCsv, importProcesses, importsClient, withDb } from './import-support';

describe('imports over REST: happy path, statuses, dry run, retry of failed rows', () => {
  const api = importProcesses();

  it('lists the employees import type with its columns', async () => {
    const c = importsClient(api.baseUrl, bearer('alice', `t-${randomUUID()}`, { scopes: ['north'] }));
    const res = await c.call('GET', '/api/v1/imports/types');
    expect(res.status).toBe(200);
    const employees = res.json.find((t: { type: string }) => t.type === 'employees');
    expect(employees.formats).toEqual(['csv', 'xlsx', 'jsonl']);
    expect(employees.columns.map((col: { name: string }) => col.name)).toEqual(EMPLOYEE_HEADER.split(','));
    expect(employees.columns.filter((col: { required: boolean }) => col.required).map((col: { name: string }) => col.name)).toEqual(['first_name', 'last_name', 'email']);
  });

  it('imports a CSV: every row a completed result with the employee id, batch completed, record completes on finalize', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const recordId = await c.createRecord();
    const up = await c.upload(recordId, employeesCsv(12), 'staff list.csv');
    expect(up.status).toBe(202);
    expect(up.json).toMatchObject({ importRecordId: recordId, fileName: 'staff list.csv', format: 'csv', status: 'created' });
    expect(up.json.jobId).toEqual(expect.any(String));
    const batch = await c.waitForBatch(recordId, up.json.id);
    expect(batch).toMatchObject({ status: 'completed', counts: { total: 12, completed: 12, failed: 0, partiallyFailed: 0 }, rowsInFile: 12, lastCommittedRow: 12 });
    const results = await c.results(recordId, batch.id, '?limit=100');
    expect(results.totalRecords).toBe(12);
    const ids = await withDb(async (db) => (await db.query('SELECT id::text, email FROM directory.employee WHERE tenant = $1', [tenant])).rows);
    const byEmail = new Map(ids.map((r: { id: string; email: string }) => [r.email, r.id]));
    results.items.forEach((r: any, i: number) => {
      expect(r).toMatchObject({ rowNumber: i + 1, status: 'completed', failureDetails: null, importBatchId: batch.id });
      expect(r.referenceId).toBe(byEmail.get(`person${i + 1}@example.com`));
    });
    const rec = await c.call('GET', `/api/v1/imports/${recordId}`);
    expect(rec.json).toMatchObject({ status: 'started', batches: [{ id: batch.id, status: 'completed' }] });
    const fin = await c.call('POST', `/api/v1/imports/${recordId}/finalize`);
    expect(fin.status).toBe(200);
    expect(fin.json).toMatchObject({ status: 'completed' });
    expect((await c.upload(recordId, employeesCsv(1))).status).toBe(409);
    const job = await c.call('GET', `/api/v1/jobs/${batch.jobId}`);
    expect(job.json).toMatchObject({ type: 'import-batch', status: 'succeeded', progress: { processed: 12, total: 12 } });
  });

  it('upserts by email (case-insensitive) and re-upload of the same file is 409 unless forced', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const recordId = await c.createRecord();
    const csv = `${EMPLOYEE_HEADER}\n${employeeRow(1)}\n${employeeRow(1, { email: 'PERSON1@Example.com', department: 'Legal' })}\n`;
    const up = await c.upload(recordId, csv);
    const batch = await c.waitForBatch(recordId, up.json.id);
    expect(batch.status).toBe('completed');
    const rows = await withDb(async (db) => (await db.query('SELECT email, department FROM directory.employee WHERE tenant = $1', [tenant])).rows);
    expect(rows).toEqual([{ email: 'person1@example.com', department: 'Legal' }]);
    const results = await c.results(recordId, batch.id);
    expect(results.items[0].referenceId).toBe(results.items[1].referenceId);
    const again = await c.upload(recordId, csv);
    expect(again.status).toBe(409);
    expect(again.json.detail).toContain('force=true');
    const forced = await c.upload(recordId, csv, 'employees.csv', '?force=true');
    expect(forced.status).toBe(202);
    expect((await c.waitForBatch(recordId, forced.json.id)).status).toBe('completed');
    expect(await employeeCount(tenant)).toBe(1);
  });

  it('a bad row fails alone with a precise message; the batch is partially_failed; failed-rows CSV; retry runs them again', async () => {
    const tenant = `t-${randomUUID()}`;
    // alice holds scope "north" only: a row in scope "south" fails at the host, and succeeds
    // when an admin retries it.
    const alice = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const admin = importsClient(api.baseUrl, bearer('root', tenant, { admin: true }));
    const csv = [
      EMPLOYEE_HEADER,
      employeeRow(1),
      employeeRow(2, { salary: '"12,5"' }),
      employeeRow(3, { scope_id: 'south' }),
      employeeRow(4, { email: 'not-an-email', hired_at: '2021-02-30' }),
      employeeRow(5, { notes: '"=HYPERLINK(""http://evil"",""x"")"' }),
    ].join('\r\n');
    const { recordId, batch } = await alice.importFile(csv);
    expect(batch).toMatchObject({ status: 'partially_failed', counts: { total: 5, completed: 2, failed: 3, partiallyFailed: 0 } });
    const failed = await alice.results(recordId, batch.id, '?status=failed');
    expect(failed.items.map((r: any) => [r.rowNumber, r.failureDetails])).toEqual([
      [2, 'column "salary": value "12,5" is not a decimal number (digits, an optional "." and fraction; no thousands separators) (rule: decimal(14,2))'],
      [3, 'column "scope_id": value "south" is not one of your operational scopes (rule: scope held by the importer)'],
      [4, 'column "email": value "not-an-email" is not an email address (rule: email); column "hired_at": value "2021-02-30" is not a calendar date (rule: date YYYY-MM-DD)'],
    ]);
    const notes = await withDb(async (db) => (await db.query(`SELECT notes FROM directory.employee WHERE tenant = $1 AND email = 'person5@example.com'`, [tenant])).rows[0].notes);
    expect(notes).toBe('=HYPERLINK("http://evil","x")');

    const file = await alice.call('GET', `/api/v1/imports/${recordId}/batches/${batch.id}/failed-rows`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toContain('text/csv');
    // CRLF line ends, as the CSV exports'.
    const lines = file.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toBe(`${EMPLOYEE_HEADER},error`);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain(',"12,5",');
    expect(lines[2]).toBe(',First3,Last3,person3@example.com,Sales,50003.50,2020-01-15,false,south,,"row 3: column ""scope_id"": value ""south"" is not one of your operational scopes (rule: scope held by the importer)"');

    const retry = await admin.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`);
    expect(retry.status).toBe(202);
    expect(retry.json.status).toBe('started');
    expect(retry.json.jobId).not.toBe(batch.jobId);
    const after = await admin.waitForBatch(recordId, batch.id);
    expect(after).toMatchObject({ status: 'partially_failed', counts: { total: 5, completed: 3, failed: 2 } });
    const row3 = (await admin.results(recordId, batch.id)).items[2];
    expect(row3).toMatchObject({ rowNumber: 3, status: 'completed', failureDetails: null });
    expect(await employeeCount(tenant)).toBe(3);
    // Re-uploading the fixed failed-rows file (with its `error` column) imports the fixed rows.
    const fixed = file.text.replace('"12,5"', '12.50').replace('not-an-email', 'fixed4@example.com').replace('2021-02-30', '2021-02-28');
    const again = await admin.createRecord();
    const up = await admin.upload(again, fixed, 'fixed.csv');
    const fixedBatch = await admin.waitForBatch(again, up.json.id);
    expect(fixedBatch).toMatchObject({ status: 'completed', counts: { total: 3, completed: 3 } });
    expect(await employeeCount(tenant)).toBe(5);
  });

  it('dryRun validates and reports every row but writes nothing', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const csv = `${employeesCsv(20).trimEnd()}\n${employeeRow(21, { active: 'maybe' })}\n`;
    const { recordId, batch } = await c.importFile(csv, 'dry.csv', { dryRun: true });
    expect(batch).toMatchObject({ status: 'partially_failed', dryRun: true, counts: { total: 21, completed: 20, failed: 1 } });
    const failed = await c.results(recordId, batch.id, '?status=failed');
    expect(failed.items[0].failureDetails).toBe('column "active": value "maybe" is not true or false (rule: boolean)');
    const completed = await c.results(recordId, batch.id, '?status=completed&limit=1');
    expect(completed.items[0].referenceId).toBeNull();
    expect(await employeeCount(tenant)).toBe(0);
  });

  it('onError "abort" fails the batch at the first bad row and writes nothing', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const csv = `${employeesCsv(30).trimEnd()}\n${employeeRow(31, { first_name: '' })}\n${employeeRow(32)}\n`;
    const { recordId, batch } = await c.importFile(csv, 'abort.csv', { onError: 'abort' });
    expect(batch.status).toBe('failed');
    expect(batch.errorDetails).toBe('aborted (onError "abort"): row 31 is invalid: column "first_name": a value is required (rule: required)');
    expect(batch.counts).toMatchObject({ total: 1, completed: 0, failed: 1 });
    expect((await c.results(recordId, batch.id)).items).toEqual([expect.objectContaining({ rowNumber: 31, status: 'failed' })]);
    expect(await employeeCount(tenant)).toBe(0);
  });

  it('retrying an aborted batch resumes the file after the last committed row: every row ends up processed exactly once', async () => {
    const tenant = `t-${randomUUID()}`;
    const alice = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const admin = importsClient(api.baseUrl, bearer('root', tenant, { admin: true }));
    // 12,000 rows in chunks of 5,000: row 7,001 is in a scope alice does not hold, so the host
    // fails it and onError "abort" stops the batch there: rows 1-5,000 are committed, 5,001 on are not.
    const rows = Array.from({ length: 12_000 }, (_, k) => employeeRow(k + 1, k + 1 === 7001 ? { scope_id: 'south' } : {}));
    const { recordId, batch } = await alice.importFile(`${EMPLOYEE_HEADER}\n${rows.join('\n')}\n`, 'big.csv', { onError: 'abort' });
    expect(batch).toMatchObject({ status: 'failed', lastCommittedRow: 5000, rowsInFile: 12_000, counts: { total: 5001, completed: 5000, failed: 1 } });
    expect(batch.errorDetails).toMatch(/^aborted \(onError "abort"\): row 7001 failed: /);
    expect(await employeeCount(tenant)).toBe(5000);

    const retry = await admin.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`);
    expect(retry.status).toBe(202);
    expect(retry.json).toMatchObject({ status: 'started', errorDetails: null, counts: { total: 5000, completed: 5000, failed: 0 } });
    const done = await admin.waitForBatch(recordId, batch.id);
    expect(done).toMatchObject({ status: 'completed', errorDetails: null, lastCommittedRow: 12_000, counts: { total: 12_000, completed: 12_000, failed: 0 } });
    const counted = await withDb(async (db) =>
      (
        await db.query(
          `SELECT count(*)::int AS results, count(DISTINCT row_number)::int AS distinct_rows, min(row_number) AS first, max(row_number) AS last
             FROM imports.import_result WHERE import_batch_id = $1`,
          [batch.id],
        )
      ).rows[0],
    );
    expect(counted).toEqual({ results: 12_000, distinct_rows: 12_000, first: 1, last: 12_000 });
    expect(await employeeCount(tenant)).toBe(12_000);
    const job = await admin.call('GET', `/api/v1/jobs/${retry.json.jobId}`);
    expect(job.json).toMatchObject({ status: 'succeeded', name: 'Resume import employees after row 5000 of 12000' });
  });

  it('retrying a batch aborted by its validation pass imports the whole file, recording the bad row as failed once', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const csv = `${employeesCsv(30).trimEnd()}\n${employeeRow(31, { first_name: '' })}\n${employeeRow(32)}\n`;
    const { recordId, batch } = await c.importFile(csv, 'abort.csv', { onError: 'abort' });
    expect(batch).toMatchObject({ status: 'failed', lastCommittedRow: 0, counts: { total: 1, failed: 1 } });
    const retry = await c.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`);
    expect(retry.status).toBe(202);
    const done = await c.waitForBatch(recordId, batch.id);
    expect(done).toMatchObject({ status: 'partially_failed', errorDetails: null, lastCommittedRow: 32, counts: { total: 32, completed: 31, failed: 1 } });
    const failed = await c.results(recordId, batch.id, '?status=failed');
    expect(failed.items.map((r: any) => [r.rowNumber, r.failureDetails])).toEqual([[31, 'column "first_name": a value is required (rule: required)']]);
    expect((await c.results(recordId, batch.id, '?limit=1')).totalRecords).toBe(32);
    expect(await employeeCount(tenant)).toBe(31);
    // Finished now: a second retry only retries the failed row (no resume).
    const again = await c.call('POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`);
    expect(again.status).toBe(202);
    expect((await c.waitForBatch(recordId, batch.id)).counts).toMatchObject({ total: 32, completed: 31, failed: 1 });
  });

  it('lists records newest first, oldest first with sort=oldest, and refuses another sort (400)', async () => {
    const c = importsClient(api.baseUrl, bearer('alice', `t-${randomUUID()}`, { scopes: ['north'] }));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await c.createRecord());
    const newest = (await c.call('GET', '/api/v1/imports?limit=10')).json;
    const oldest = (await c.call('GET', '/api/v1/imports?limit=10&sort=oldest')).json;
    const created = (items: Array<{ createdAt: string }>) => items.map((r) => Date.parse(r.createdAt));
    expect(new Set(newest.items.map((r: { id: string }) => r.id))).toEqual(new Set(ids));
    expect(created(newest.items)).toEqual(created(newest.items).sort((a, b) => b - a));
    expect(oldest.items.map((r: { id: string }) => r.id)).toEqual(newest.items.map((r: { id: string }) => r.id).reverse());
    expect(oldest.totalRecords).toBe(3);
    expect((await c.call('GET', '/api/v1/imports?sort=-createdAt')).status).toBe(400);
  });

  it('refuses record bodies whose options are not an object or whose expected count overflows, naming the field (400)', async () => {
    const c = importsClient(api.baseUrl, bearer('alice', `t-${randomUUID()}`, { scopes: ['north'] }));
    const base = { type: 'employees', sourceName: 'e2e', expectedReferenceCount: -1 };
    const arrayOptions = await c.call('POST', '/api/v1/imports', { ...base, options: [{ dryRun: true }] });
    expect(arrayOptions.status).toBe(400);
    expect(arrayOptions.text).toContain('options');
    const huge = await c.call('POST', '/api/v1/imports', { ...base, expectedReferenceCount: 2_147_483_648 });
    expect(huge.status).toBe(400);
    expect(huge.text).toContain('expectedReferenceCount');
    expect((await c.call('GET', '/api/v1/imports')).json.totalRecords).toBe(0);
  });

  it("another tenant's record is 404 everywhere, and nothing is stored", async () => {
    const owner = importsClient(api.baseUrl, bearer('alice', `t-${randomUUID()}`, { scopes: ['north'] }));
    const stranger = importsClient(api.baseUrl, bearer('mallory', `t-${randomUUID()}`, { admin: true }));
    const { recordId, batch } = await owner.importFile(employeesCsv(2));
    for (const [method, path] of [
      ['GET', `/api/v1/imports/${recordId}`],
      ['GET', `/api/v1/imports/${recordId}/batches/${batch.id}`],
      ['GET', `/api/v1/imports/${recordId}/batches/${batch.id}/results`],
      ['GET', `/api/v1/imports/${recordId}/batches/${batch.id}/failed-rows`],
      ['POST', `/api/v1/imports/${recordId}/finalize`],
      ['POST', `/api/v1/imports/${recordId}/batches/${batch.id}/retry-failed-rows`],
    ]) {
      const res = await stranger.call(method, path);
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    const up = await stranger.upload(recordId, employeesCsv(2));
    expect(up.status).toBe(404);
    expect((await owner.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toHaveLength(1);
    expect((await stranger.call('GET', '/api/v1/imports/not-a-uuid')).status).toBe(404);
  });
});

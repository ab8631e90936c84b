import { execFileSync } from 'child_process';
import { createHash, randomUUID } from 'crypto';
import { Pool } from 'pg';
import { parse } from 'csv-parse/sync';
import * as ExcelJS from 'exceljs';
import { seedEmployees } from '@porter/directory';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { EXPORT_ENV, exportsClient, ExportsClient, waitForExport } from './export-support';

const ROWS = 3_000;

/** Column choice and order, explicit ids, and gzip: through the real api and worker processes. */
describe('export shape: columns, ids, gzip (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let pool: Pool;
  let baseUrl: string;
  let admin: ExportsClient;

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await seedEmployees(pool, { tenant, count: ROWS, seed: 7, scopes: 3 });
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    baseUrl = started.baseUrl;
    worker = await startWorker(EXPORT_ENV);
    admin = exportsClient(baseUrl, bearer('ada', tenant, { admin: true }));
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
  });

  async function run(client: ExportsClient, body: Record<string, unknown>) {
    const requested = await client.request({ type: 'employees', ...body });
    expect(requested.status).toBe(202);
    const info = await waitForExport(client, requested.json.id);
    const file = await client.download(info.id);
    expect(file.status).toBe(200);
    return { info, file, job: (await client.call('GET', `/api/v1/jobs/${info.jobId}`)).json };
  }

  it('lists each type\'s columns with labels and its key column', async () => {
    const types = (await admin.call('GET', '/api/v1/exports/types')).json;
    const employees = types.find((t: { type: string }) => t.type === 'employees');
    expect(employees.keyColumn).toBe('id');
    expect(employees.columns.slice(0, 3)).toEqual([
      { name: 'id', label: 'Employee id' },
      { name: 'first_name', label: 'First name' },
      { name: 'last_name', label: 'Last name' },
    ]);
  });

  it('writes only the chosen columns, in the chosen order, in CSV, XLSX and JSONL', async () => {
    const columns = ['email', 'last_name', 'salary'];
    const { rows: expected } = await pool.query(`SELECT email, last_name, salary::text FROM directory.employee WHERE tenant = $1 ORDER BY id`, [tenant]);

    const csv = await run(admin, { format: 'csv', columns });
    expect(csv.info.columns).toEqual(columns);
    const rows: string[][] = parse(csv.file.bytes, { bom: true });
    expect(rows[0]).toEqual(columns);
    expect(rows).toHaveLength(ROWS + 1);
    expect(rows[1]).toEqual([expected[0].email, expected[0].last_name, expected[0].salary ?? '']);

    const jsonl = await run(admin, { format: 'jsonl', columns: ['last_name', 'email'] });
    const lines = jsonl.file.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(ROWS);
    expect(Object.keys(lines[0])).toEqual(['last_name', 'email']);

    const xlsx = await run(admin, { format: 'xlsx', columns: ['salary', 'email'] });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.file.bytes as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(['salary', 'email']);
    expect(sheet.actualColumnCount).toBe(2);
  });

  it('exports exactly the given ids the caller may see; the others are absent and counted', async () => {
    const { rows } = await pool.query(`SELECT id::text, scope_id FROM directory.employee WHERE tenant = $1 AND scope_id IS NOT NULL ORDER BY id LIMIT 40`, [tenant]);
    const inScope1 = rows.filter((r) => r.scope_id === 'scope-01').map((r) => r.id);
    const others = rows.filter((r) => r.scope_id !== 'scope-01').map((r) => r.id);
    const { rows: elsewhere } = await pool.query(`SELECT id::text FROM directory.employee WHERE tenant <> $1 LIMIT 2`, [tenant]);
    const ids = [...inScope1, ...others, randomUUID(), 'not-a-uuid', ...elsewhere.map((r) => r.id), inScope1[0]];

    const all = await run(admin, { format: 'csv', ids, columns: ['id'] });
    const exported = parse(all.file.bytes, { bom: true }).slice(1).map((r: string[]) => r[0]);
    expect(exported).toEqual([...inScope1, ...others].sort());
    expect(all.job.outputInformation).toMatchObject({ idsRequested: ids.length - 1, idsNotExported: ids.length - 1 - exported.length });

    // A scope-01 user's local export: ids of other scopes are outside its view, hence absent.
    const scoped = exportsClient(baseUrl, bearer('sam', tenant, { scopes: ['scope-01'] }));
    const local = await run(scoped, { type: 'scope-employees', format: 'jsonl', scopeIds: ['scope-01'], ids, columns: ['id', 'scope_id'] });
    const seen = local.file.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(seen.map((e) => e.id)).toEqual([...inScope1].sort());
    expect(new Set(seen.map((e) => e.scope_id))).toEqual(new Set(['scope-01']));
  });

  it('gzips CSV and JSONL: .gz name, application/gzip, sha256 and size of the stored file; gzip -dc reads every row', async () => {
    for (const format of ['csv', 'jsonl']) {
      const { info, file } = await run(admin, { format, compression: 'gzip' });
      expect(info.compression).toBe('gzip');
      expect(info.result.fileName).toMatch(new RegExp(`\\.${format}\\.gz$`));
      expect(file.headers.get('content-type')).toBe('application/gzip');
      expect(info.result.sizeBytes).toBe(file.bytes.length);
      expect(createHash('sha256').update(file.bytes).digest('hex')).toBe(info.result.sha256);
      // gzip(1) is an independent reader: the file is a standard gzip stream, not just zlib's.
      const text = execFileSync('gzip', ['-dc'], { input: file.bytes }).toString('utf8');
      if (format === 'csv') expect(parse(text, { bom: true })).toHaveLength(ROWS + 1);
      else expect(text.trim().split('\n').map((l) => JSON.parse(l))).toHaveLength(ROWS);
    }
  });

  it.each([
    ['an unknown and a repeated column', { format: 'csv', columns: ['email', 'ssn', 'email'] }, ['columns.1', 'columns.2']],
    ['no columns', { format: 'csv', columns: [] }, ['columns']],
    ['columns as a string', { format: 'csv', columns: 'email' }, ['columns']],
    ['gzip for XLSX', { format: 'xlsx', compression: 'gzip' }, ['compression']],
    ['an unknown compression', { format: 'csv', compression: 'zip' }, ['compression']],
    ['10,001 ids', { format: 'csv', ids: Array.from({ length: 10_001 }, (_, i) => `${i}`) }, ['ids']],
    ['a numeric id', { format: 'csv', ids: [123] }, ['ids']],
    ['a 201-character id', { format: 'csv', ids: ['x'.repeat(201)] }, ['ids']],
    ['ids as an object', { format: 'csv', ids: { 0: 'a' } }, ['ids']],
    // Bad input per new field: wrong types, empty, huge and hostile values; never a 500.
    ['201 columns', { format: 'csv', columns: Array.from({ length: 201 }, (_, i) => `c${i}`) }, ['columns']],
    ['a 101-character column name', { format: 'csv', columns: ['email', 'x'.repeat(101)] }, ['columns']],
    ['a hostile column name', { format: 'csv', columns: ['email', 'a;DROP TABLE directory.employee;--'] }, ['columns.1']],
    ['a numeric column', { format: 'csv', columns: ['email', 7] }, ['columns']],
    ['columns as an object', { format: 'csv', columns: { 0: 'email' } }, ['columns']],
    ['an empty ids array', { format: 'csv', ids: [] }, ['ids']],
    ['an empty-string id', { format: 'csv', ids: ['a', ''] }, ['ids.1']],
    ['ids as a string', { format: 'csv', ids: 'a,b' }, ['ids']],
    ['a numeric compression', { format: 'csv', compression: 1 }, ['compression']],
    ['an empty compression', { format: 'jsonl', compression: '' }, ['compression']],
    ['compression as an object', { format: 'csv', compression: { gzip: true } }, ['compression']],
  ])('refuses %s with a 400 naming the field', async (_what, body, paths) => {
    const res = await admin.request({ type: 'employees', ...body });
    expect(res.status).toBe(400);
    expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(paths));
  });

  it('names an unknown or hostile column in the 400 and lists the columns it could be', async () => {
    const res = await admin.request({ type: 'employees', format: 'csv', columns: ['a;DROP TABLE directory.employee;--'] });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([{ path: 'columns.0', message: expect.stringContaining('id, first_name, last_name') }]);
  });

  it('treats SQL-looking ids as data: nothing matches, they are counted as not exported, and no employee is touched', async () => {
    const hostile = ["1' OR '1'='1", "'; DROP TABLE directory.employee; --", '00000000-0000-0000-0000-000000000000) OR (1=1'];
    const { info, file, job } = await run(admin, { format: 'csv', ids: hostile, columns: ['id'] });
    expect(info.idsCount).toBe(3);
    expect(parse(file.bytes, { bom: true })).toEqual([['id']]);
    expect(job.outputInformation).toMatchObject({ idsRequested: 3, idsNotExported: 3 });
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM directory.employee WHERE tenant = $1', [tenant]);
    expect(rows[0].n).toBe(ROWS);
  });

  it('accepts exactly 10,000 ids (the limit) and exports the ones that exist', async () => {
    const { rows } = await pool.query(`SELECT id::text FROM directory.employee WHERE tenant = $1 ORDER BY id LIMIT 5`, [tenant]);
    const ids = [...rows.map((r) => r.id), ...Array.from({ length: 10_000 - rows.length }, () => randomUUID())];
    const { file, job } = await run(admin, { format: 'jsonl', ids, columns: ['id'] });
    expect(file.text.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(rows.map((r) => r.id));
    expect(job.outputInformation).toMatchObject({ idsRequested: 10_000, idsNotExported: 10_000 - rows.length });
  });
});

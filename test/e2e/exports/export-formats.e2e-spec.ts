import { execFileSync } from 'child_process';
import { createHash, randomUUID } from 'crypto';
import { Pool } from 'pg';
import { parse } from 'csv-parse/sync';
import * as ExcelJS from 'exceljs';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { EmployeeFixture, EXPORT_ENV, exportsClient, ExportsClient, expectedText, HEADERS, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from './export-support';

/**
 * Each format generated end to end (real api + worker processes) and read back by a real reader,
 * every value checked: unicode, quotes, commas, CR/LF, empty and null, big numbers, dates, and
 * formula payloads neutralised.
 */
describe('export formats (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let admin: ExportsClient;
  let pool: Pool;
  let employees: EmployeeFixture[];
  let baseUrl: string;

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    employees = await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    baseUrl = started.baseUrl;
    worker = await startWorker(EXPORT_ENV);
    admin = exportsClient(started.baseUrl, bearer('alice', tenant, { admin: true }));
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
  });

  it('documents the download\'s media types in the OpenAPI document (JSONL as application/x-ndjson, compressed as application/gzip)', async () => {
    const doc = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
    const types = ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/x-ndjson', 'application/gzip'];
    for (const path of ['/api/v1/exports/{id}/download', '/api/v1/exports/{id}/file']) {
      expect(Object.keys(doc.paths[path].get.responses['200'].content ?? {})).toEqual(types);
    }
    expect(Object.keys(doc.paths['/api/v1/exports/{id}/download'].get.responses['206'].content ?? {})).toEqual(types);
    expect(JSON.stringify(doc)).not.toContain('application/jsonl');
  });

  async function exportAndDownload(format: string, filters: Record<string, unknown> = {}) {
    const requested = await admin.request({ type: 'employees', format, filters });
    expect(requested.status).toBe(202);
    expect(requested.json).toMatchObject({ type: 'employees', format, result: null, downloadUrl: null });
    // A free worker may already have picked it up by the time the response is written.
    expect(['pending', 'running']).toContain(requested.json.status);
    const info = await waitForExport(admin, requested.json.id);
    const file = await admin.download(info.id);
    expect(file.status).toBe(200);
    return { info, file };
  }

  function checkDownloadHeaders(info: any, file: { headers: Headers; bytes: Buffer }, contentType: RegExp, extension: string) {
    const date = info.createdAt.slice(0, 10);
    const shortId = info.id.replace(/-/g, '').slice(0, 8);
    expect(info.result.fileName).toBe(`employees-${date}-${shortId}.${extension}`);
    expect(info.downloadUrl).toBe(`/api/v1/exports/${info.id}/download`);
    expect(file.headers.get('content-type')).toMatch(contentType);
    expect(Number(file.headers.get('content-length'))).toBe(file.bytes.length);
    expect(info.result.sizeBytes).toBe(file.bytes.length);
    expect(createHash('sha256').update(file.bytes).digest('hex')).toBe(info.result.sha256);
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="${info.result.fileName}"; filename*=UTF-8''${info.result.fileName}`);
    expect(info.itemsCount).toBe(TRICKY_EMPLOYEES.length);
    expect(info.outcome).toBe('success');
    expect(Date.parse(info.result.expiresAt) - Date.parse(info.processedAt)).toBe(30 * 86_400_000);
  }

  it('writes CSV (RFC 4180, UTF-8 BOM, header row) that csv-parse reads back value for value', async () => {
    const { info, file } = await exportAndDownload('csv');
    checkDownloadHeaders(info, file, /^text\/csv; charset=utf-8$/, 'csv');
    expect(file.bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows: string[][] = parse(file.bytes, { bom: true });
    expect(rows[0]).toEqual(HEADERS);
    expect(rows).toHaveLength(TRICKY_EMPLOYEES.length + 1);
    employees.forEach((employee, i) => {
      const expected = expectedText(employee);
      expect(rows[i + 1]).toEqual(HEADERS.map((h) => expected[h] ?? ''));
    });
    const text = file.bytes.toString('utf8');
    // CRLF record ends, quotes doubled, the empty department written as "" and the null salary as nothing.
    expect(text).toContain('"She said ""hello, world""\r\nand left 🎉"\r\n');
    expect(text).toContain(`renee@example.com,"",,,false,,\r\n`);
    expect(text).toContain(`,999999999999.99,2024-02-29,true,`);
  });

  it('writes JSONL that JSON.parse reads back line by line with typed values', async () => {
    const { info, file } = await exportAndDownload('jsonl');
    checkDownloadHeaders(info, file, /^application\/x-ndjson; charset=utf-8$/, 'jsonl');
    const text = file.bytes.toString('utf8');
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    const objects = lines.map((l) => JSON.parse(l));
    expect(objects).toHaveLength(TRICKY_EMPLOYEES.length);
    employees.forEach((employee, i) => {
      const t = expectedText(employee);
      expect(Object.keys(objects[i])).toEqual(HEADERS);
      expect(objects[i]).toEqual({
        ...t,
        salary: employee.salary === null ? null : Number(employee.salary),
        active: employee.active,
      });
    });
    // Exact decimal text, not a float rendering.
    expect(lines[0]).toContain('"salary":999999999999.99,');
    expect(lines[2]).toContain('"salary":-1234.50,');
  });

  it('writes an XLSX workbook exceljs reads back with typed cells, a frozen bold header and text-only formulas', async () => {
    const { info, file } = await exportAndDownload('xlsx');
    checkDownloadHeaders(info, file, /^application\/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet$/, 'xlsx');
    // An independent zip reader checks every entry's CRC-32 (computed by zlib.crc32 in the writer)
    const checked = execFileSync('python3', ['-c', 'import io,sys,zipfile; z=zipfile.ZipFile(io.BytesIO(sys.stdin.buffer.read())); print(z.testzip(), len(z.namelist()))'], {
      input: file.bytes,
    }).toString();
    expect(checked).toMatch(/^None \d+\n$/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.bytes as unknown as ArrayBuffer);
    expect(workbook.worksheets).toHaveLength(1);
    const sheet = workbook.worksheets[0];
    expect(sheet.name).toBe('employees');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toEqual(HEADERS);
    expect(sheet.getCell('A1').font?.bold).toBe(true);
    expect(sheet.rowCount).toBe(TRICKY_EMPLOYEES.length + 1);
    employees.forEach((employee, i) => {
      const row = sheet.getRow(i + 2);
      const t = expectedText(employee);
      const cell = (h: string) => row.getCell(HEADERS.indexOf(h) + 1);
      for (const h of ['id', 'first_name', 'last_name', 'email', 'scope_id', 'notes']) {
        expect([h, cell(h).value]).toEqual([h, t[h]]);
        if (t[h] !== null) expect(cell(h).type).toBe(ExcelJS.ValueType.String);
      }
      // An empty string is written as an empty text cell; exceljs (like Excel, which shows a blank)
      // reads an empty cell as null, so '' and null look alike through this reader.
      expect(cell('department').value).toBe(t.department === '' ? null : t.department);
      if (t.department) expect(cell('department').type).toBe(ExcelJS.ValueType.String);
      expect(cell('salary').value).toBe(employee.salary === null ? null : Number(employee.salary));
      if (employee.salary !== null) expect(cell('salary').type).toBe(ExcelJS.ValueType.Number);
      expect(cell('hired_at').value).toEqual(employee.hired_at === null ? null : new Date(`${employee.hired_at}T00:00:00Z`));
      if (employee.hired_at !== null) expect(cell('hired_at').type).toBe(ExcelJS.ValueType.Date);
      expect(cell('active').value).toBe(employee.active);
      expect(cell('active').type).toBe(ExcelJS.ValueType.Boolean);
    });
  });

  it("lists the file among the job's output files", async () => {
    const { info } = await exportAndDownload('csv');
    const job = await admin.call('GET', `/api/v1/jobs/${info.jobId}`);
    expect(job.status).toBe(200);
    expect(job.json).toMatchObject({ status: 'succeeded', outputFiles: [info.result.fileName] });
    expect(job.json.outputInformation).toMatchObject({ exportId: info.id, itemsCount: TRICKY_EMPLOYEES.length, outcome: 'success' });
  });

  it('applies the type filters (department, active, hiredAfter)', async () => {
    const byDepartment = await exportAndDownload('jsonl', { department: 'Sales, EMEA' });
    expect(byDepartment.info.itemsCount).toBe(1);
    expect(JSON.parse(byDepartment.file.text.trim()).email).toBe('zoe@example.com');
    const inactive = await exportAndDownload('jsonl', { active: false });
    expect(inactive.file.text.trim().split('\n').map((l) => JSON.parse(l).email)).toEqual(['renee@example.com']);
    const recent = await exportAndDownload('jsonl', { hiredAfter: '2024-02-28', active: true });
    expect(recent.file.text.trim().split('\n').map((l) => JSON.parse(l).email)).toEqual(['zoe@example.com', 'ws@example.com']);
  });

  it.each([
    ['csv', (b: Buffer) => expect(b.toString('utf8')).toBe(`\uFEFF${HEADERS.join(',')}\r\n`)],
    ['jsonl', (b: Buffer) => expect(b.length).toBe(0)],
    [
      'xlsx',
      async (b: Buffer) => {
        const workbook = new ExcelJS.Workbook();
        await workbook.xlsx.load(b as unknown as ArrayBuffer);
        expect(workbook.worksheets[0].rowCount).toBe(1);
        expect((workbook.worksheets[0].getRow(1).values as unknown[]).slice(1)).toEqual(HEADERS);
      },
    ],
  ])('records an empty %s export as outcome empty with a valid, header-only file', async (format, check) => {
    const { info, file } = await exportAndDownload(format, { department: 'No such department' });
    expect(info).toMatchObject({ status: 'succeeded', outcome: 'empty', itemsCount: 0 });
    expect(info.result.sizeBytes).toBe(file.bytes.length);
    await check(file.bytes);
  });

  it('refuses invalid requests with 422 and the failing path', async () => {
    const unknownType = await admin.request({ type: 'nope', format: 'csv' });
    expect(unknownType.status).toBe(422);
    expect(unknownType.json.errors).toEqual([expect.objectContaining({ path: 'type' })]);
    const badFormat = await admin.request({ type: 'employees', format: 'pdf' });
    expect(badFormat.status).toBe(422);
    expect(badFormat.json.errors).toEqual([expect.objectContaining({ path: 'format' })]);
    const badFilters = await admin.request({ type: 'employees', format: 'csv', filters: { hiredAfter: 'yesterday', active: 'yes', colour: 'red' } });
    expect(badFilters.status).toBe(422);
    expect(badFilters.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['filters.active', 'filters.colour', 'filters.hiredAfter']);
    // Shaped like a day but not on the calendar (or in a year Postgres lacks): refused up front, not in the worker.
    for (const hiredAfter of ['2023-02-30', '0000-01-01', '2023-04-31']) {
      const impossible = await admin.request({ type: 'employees', format: 'csv', filters: { hiredAfter } });
      expect([hiredAfter, impossible.status]).toEqual([hiredAfter, 422]);
      expect(impossible.json.errors).toEqual([expect.objectContaining({ path: 'filters.hiredAfter' })]);
    }
    const scopesOnGlobal = await admin.request({ type: 'employees', format: 'csv', scopeIds: ['s1'] });
    expect(scopesOnGlobal.status).toBe(422);
    expect(scopesOnGlobal.json.errors).toEqual([expect.objectContaining({ path: 'scopeIds' })]);
    const malformed = await admin.request({ type: 'employees', format: 'csv', filters: 'department=x' });
    expect(malformed.status).toBe(400);
  });

  it('describes the export types', async () => {
    const types = await admin.call('GET', '/api/v1/exports/types');
    expect(types.status).toBe(200);
    expect(types.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'employees', scope: 'global', retentionPeriodDays: 30, formats: ['csv', 'xlsx', 'jsonl'] }),
        expect.objectContaining({ type: 'scope-employees', scope: 'local', retentionPeriodDays: 7 }),
      ]),
    );
    const employees = types.json.find((t: { type: string }) => t.type === 'employees');
    expect(employees.filters.map((f: { name: string }) => f.name)).toEqual(['department', 'active', 'hiredAfter']);
  });
});

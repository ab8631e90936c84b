import { randomUUID } from 'crypto';
import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { bearer } from '../../support/int-app';
import { buildXlsx, emptyRowsFirstXlsx, sheetXml, zipParts } from '../../fixtures/imports/hostile-files';
import { startApi } from '../../support/processes';
import { EMPLOYEE_HEADER, employeeCount, employeesCsv, IMPORT_ENV, importProcesses, importsClient, Reply } from './import-support';

/** The files a record's upload directory holds (the stored uploads of its batches). */
async function storedFiles(tenant: string, recordId: string): Promise<string[]> {
  const dir = path.join(process.env.STORAGE_DIR!, 'imports', `t-${tenant}`, recordId);
  return existsSync(dir) ? fs.readdir(dir) : [];
}

/** Uploads, refusals before a batch exists, scheduled batches and type templates. */
describe('imports: uploads and templates', () => {
  const api = importProcesses();

  /** Uploads several file parts in one multipart body. */
  async function uploadParts(baseUrl: string, authorization: string, recordId: string, files: Array<[string, string | Buffer]>): Promise<Reply> {
    const form = new FormData();
    for (const [name, content] of files) form.append('file', new Blob([typeof content === 'string' ? Buffer.from(content) : content]), name);
    const res = await fetch(`${baseUrl}/api/v1/imports/${recordId}/batches`, { method: 'POST', headers: { authorization }, body: form });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, text, headers: res.headers };
  }

  it('with UPLOAD_MAX_FILES=1, a second file part is 413 and leaves no batch, no job and no stored file', async () => {
    const single = await startApi({ ...IMPORT_ENV, UPLOAD_MAX_FILES: '1' });
    try {
      const tenant = `t-${randomUUID()}`;
      const authorization = bearer('alice', tenant, { scopes: ['north'] });
      const c = importsClient(single.baseUrl, authorization);
      const recordId = await c.createRecord();
      const res = await uploadParts(single.baseUrl, authorization, recordId, [
        ['one.csv', employeesCsv(20)],
        ['two.csv', employeesCsv(5, 100)],
      ]);
      expect(res.status).toBe(413);
      expect(res.json.detail).toBe('At most 1 "file" file part(s) per upload');
      expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toEqual([]);
      expect(await storedFiles(tenant, recordId)).toEqual([]);
      const jobs = await c.call('GET', '/api/v1/jobs?type=import-batch');
      expect(jobs.json.items).toEqual([]);
      // One file in the same request shape is accepted.
      const ok = await uploadParts(single.baseUrl, authorization, recordId, [['one.csv', employeesCsv(20)]]);
      expect(ok.status).toBe(202);
      expect((await c.waitForBatch(recordId, ok.json.id)).status).toBe('completed');
      expect(await employeeCount(tenant)).toBe(20);
    } finally {
      await single.process.stop();
    }
  });

  it('with UPLOAD_MAX_FILES=2, a refused second file refuses the request: neither file becomes a batch', async () => {
    const two = await startApi({ ...IMPORT_ENV, UPLOAD_MAX_FILES: '2' });
    try {
      const tenant = `t-${randomUUID()}`;
      const authorization = bearer('alice', tenant, { scopes: ['north'] });
      const c = importsClient(two.baseUrl, authorization);
      const recordId = await c.createRecord();
      const refused = await uploadParts(two.baseUrl, authorization, recordId, [
        ['one.csv', employeesCsv(3)],
        ['two.pdf', Buffer.from('%PDF-1.7\n')],
      ]);
      expect(refused.status).toBe(415);
      expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toEqual([]);
      expect(await storedFiles(tenant, recordId)).toEqual([]);
      const both = await uploadParts(two.baseUrl, authorization, recordId, [
        ['one.csv', employeesCsv(3)],
        ['two.csv', employeesCsv(2, 50)],
      ]);
      expect(both.status).toBe(202);
      expect(both.json.map((b: { fileName: string }) => b.fileName)).toEqual(['one.csv', 'two.csv']);
      expect(await storedFiles(tenant, recordId)).toHaveLength(2);
    } finally {
      await two.process.stop();
    }
  });

  it('a zip that is not a workbook is refused at upload (415), a workbook past the entries limit and a sheet given with a CSV (422): no batch, nothing stored', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const recordId = await c.createRecord();
    const plain = await c.upload(recordId, await zipParts({ 'people.csv': employeesCsv(3) }), 'people.zip');
    expect(plain.status).toBe(415);
    expect(plain.json.detail).toBe('Unsupported file: the file is a zip archive but not an XLSX workbook (it has no xl/workbook.xml)');
    const docx = await c.upload(
      recordId,
      await zipParts({
        '[Content_Types].xml': '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        '_rels/.rels': '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>',
        'word/document.xml': '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>',
      }),
      'employees.xlsx',
    );
    expect(docx.status).toBe(415);
    expect(docx.json.detail).toBe(
      'Unsupported file: the file is a zip archive but not an XLSX workbook (it has no xl/workbook.xml); it looks like a Word document (.docx)',
    );
    const parts: Record<string, string> = { 'xl/workbook.xml': '<workbook/>' };
    for (let i = 0; i < 1000; i++) parts[`xl/media/image${i}.txt`] = String(i);
    const crowded = await c.upload(recordId, await zipParts(parts), 'crowded.xlsx');
    expect(crowded.status).toBe(422);
    expect(crowded.json).toMatchObject({
      detail: 'The XLSX file is refused: the XLSX has 1001 zip entries, more than the limit of 1000',
      errors: [{ path: 'file', message: 'the XLSX has 1001 zip entries, more than the limit of 1000' }],
    });
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toEqual([]);
    expect(await storedFiles(tenant, recordId)).toEqual([]);
    // A sheet with a file that has none is refused, not ignored: the caller may have sent the wrong file.
    const csvWithSheet = await c.upload(recordId, employeesCsv(3), 'people.csv', '?sheet=Staff');
    expect(csvWithSheet.status).toBe(422);
    expect(csvWithSheet.json).toMatchObject({ detail: 'Only an XLSX file has sheets', errors: [{ path: 'sheet', message: 'given with a CSV file, which has none' }] });
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toEqual([]);
    expect(await storedFiles(tenant, recordId)).toEqual([]);
    // A real workbook passes the same checks.
    const xlsx = await buildXlsx({ Staff: sheetXml([['first_name', 'last_name', 'email', 'scope_id'], ['Ada', 'Lovelace', 'ada@example.com', 'north']]) });
    const ok = await c.upload(recordId, xlsx, 'staff.xlsx', '?sheet=Staff');
    expect(ok.status).toBe(202);
    expect((await c.waitForBatch(recordId, ok.json.id)).status).toBe('completed');
  });

  it('scheduledFor in the future schedules the batch\'s job (the record stays created until it runs); a bad value is 400', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { scopes: ['north'] }));
    const { recordId, at, up } = await c.uploadScheduled(employeesCsv(4));
    expect(up.status).toBe(202);
    expect(up.json.status).toBe('created');
    const job = await c.call('GET', `/api/v1/jobs/${up.json.jobId}`);
    expect(job.json).toMatchObject({ status: 'scheduled', scheduledFor: at, type: 'import-batch' });
    const record = await c.call('GET', `/api/v1/imports/${recordId}`);
    expect(record.json).toMatchObject({ status: 'created', batches: [{ id: up.json.id, status: 'created' }] });

    // Running it now (the jobs API) imports it; the record is started from then on.
    expect((await c.call('PATCH', `/api/v1/jobs/${up.json.jobId}`, { scheduledFor: null })).status).toBe(200);
    expect((await c.waitForBatch(recordId, up.json.id)).status).toBe('completed');
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.status).toBe('started');
    expect(await employeeCount(tenant)).toBe(4);

    for (const bad of ['tomorrow', '2030-13-01T00:00:00Z', '']) {
      const res = await c.upload(recordId, employeesCsv(1, 500), 'bad.csv', `?scheduledFor=${encodeURIComponent(bad)}`);
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(res.json.errors).toEqual([expect.objectContaining({ path: 'scheduledFor' })]);
    }
    expect((await c.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toHaveLength(1);
  });

  it('templates: a header-only CSV and XLSX and a one-object JSONL, as attachments; the XLSX reads back as the type\'s header', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant));
    const get = (query: string) => fetch(`${api.baseUrl}/api/v1/imports/types/employees/template${query}`, { headers: { authorization: bearer('alice', tenant) } });

    const csv = await get('');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(`attachment; filename="employees-template.csv"; filename*=UTF-8''employees-template.csv`);
    expect(Buffer.from(await csv.arrayBuffer()).toString('utf8')).toBe(`\uFEFF${EMPLOYEE_HEADER}\r\n`);

    const jsonl = await get('?format=jsonl');
    expect(jsonl.headers.get('content-disposition')).toContain('filename="employees-template.jsonl"');
    expect(jsonl.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(await jsonl.text()).toBe(`${JSON.stringify(Object.fromEntries(EMPLOYEE_HEADER.split(',').map((k) => [k, null])))}\n`);

    const xlsx = await get('?format=xlsx');
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(xlsx.headers.get('content-disposition')).toContain('filename="employees-template.xlsx"');
    const workbook = Buffer.from(await xlsx.arrayBuffer());
    // Uploaded as it is, each template is a readable file of the type that imports nothing.
    const recordId = await c.createRecord();
    const asXlsx = await c.upload(recordId, workbook, 'employees-template.xlsx');
    expect(asXlsx.status).toBe(202);
    expect(await c.waitForBatch(recordId, asXlsx.json.id)).toMatchObject({ format: 'xlsx', status: 'failed', errorDetails: 'the file has a header row but no data rows' });
    const asJsonl = await c.upload(recordId, await (await get('?format=jsonl')).text(), 'employees-template.jsonl');
    const jsonlBatch = await c.waitForBatch(recordId, asJsonl.json.id);
    expect(jsonlBatch).toMatchObject({ format: 'jsonl', status: 'failed', counts: { total: 1, failed: 1 } });
    expect((await c.results(recordId, jsonlBatch.id)).items[0].failureDetails).toBe(
      'column "first_name": a value is required (rule: required); column "last_name": a value is required (rule: required); column "email": a value is required (rule: required)',
    );
    expect(await employeeCount(tenant)).toBe(0);

    expect((await get('?format=pdf')).status).toBe(400);
    const unknown = await fetch(`${api.baseUrl}/api/v1/imports/types/nope/template`, { headers: { authorization: bearer('alice', tenant) } });
    expect(unknown.status).toBe(404);
  });

  it('a long file name (up to the 200 characters a batch keeps) is accepted: the job name holding it is cut, not refused', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { admin: true }));
    const recordId = await c.createRecord();
    const fileName = `${'ü'.repeat(150)}-${'😀'.repeat(20)}.csv`.slice(0, 200);
    const up = await c.upload(recordId, employeesCsv(2), fileName);
    expect([up.status, up.json.fileName]).toEqual([202, fileName]);
    const job = (await c.call('GET', `/api/v1/jobs/${up.json.jobId}`)).json;
    expect(job.name).toHaveLength(200);
    expect(job.name).toBe(`Import employees: ${fileName}`.slice(0, 199) + '…');
    expect((await c.waitForBatch(recordId, up.json.id)).status).toBe('completed');
  });

  it('the XLSX header check at upload gives up past 16 MiB of one XML part (the worker reads it all): a small upload cannot cost the API minutes of XML', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant, { admin: true }));
    const recordId = await c.createRecord();
    // 3.5 million empty rows (21 MB of XML) before a header that lacks "email": not read at upload,
    // so not the 422 a header at the top gets; the worker reads on and fails the batch with it.
    const xlsx = await emptyRowsFirstXlsx(3_500_000, [['first_name', 'last_name'], ['Ada', 'Lovelace']]);
    const up = await c.upload(recordId, xlsx, 'late-header.xlsx');
    expect(up.status).toBe(202);
    expect(await c.waitForBatch(recordId, up.json.id, 120_000)).toMatchObject({ status: 'failed', errorDetails: expect.stringContaining('missing required column "email"') });
    const early = await c.upload(recordId, await emptyRowsFirstXlsx(10, [['first_name', 'last_name'], ['Ada', 'Lovelace']]), 'early-header.xlsx');
    expect([early.status, early.json.errors]).toEqual([422, [{ path: 'file', message: 'invalid header: missing required column "email"' }]]);
  });

  it('the OpenAPI document describes scheduledFor on the upload and the template route', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/api/docs-json`)).json()) as { paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; schema?: { format?: string; enum?: string[] } }> }>> };
    const upload = doc.paths['/api/v1/imports/{id}/batches'].post;
    expect(upload.parameters).toContainEqual(expect.objectContaining({ name: 'scheduledFor', in: 'query', schema: expect.objectContaining({ format: 'date-time' }) }));
    const template = doc.paths['/api/v1/imports/types/{type}/template'].get;
    expect(template.parameters).toContainEqual(expect.objectContaining({ name: 'format', in: 'query', schema: expect.objectContaining({ enum: ['csv', 'xlsx', 'jsonl'] }) }));
  });
});

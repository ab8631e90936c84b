import { randomBytes, randomUUID } from 'crypto';
import { existsSync, promises as fs } from 'fs';
import * as path from 'path';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { EXPORT_ENV, exportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from '../exports/export-support';
import { employeesCsv, importsClient } from '../imports/import-support';

const MiB = 1024 * 1024;

interface Reply {
  status: number;
  json: any;
  headers: Headers;
}

/**
 * Files sent with the request itself (ADR 060): a multipart POST /exports (`request` field, then
 * `attachment` parts) and `attachment` parts of an import batch upload, with the real export and
 * import types. They are recorded with the job in its submit transaction, listed with its files,
 * read with its permissions; a refused request stores nothing and creates no job.
 */
describe('request-time attachments of exports and imports (e2e)', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  let pool: Pool;

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    [api, worker] = await Promise.all([startApi(EXPORT_ENV), startWorker(EXPORT_ENV)]);
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
    await pool?.end();
  });

  type Part = ['request', string] | ['attachment' | 'file', string | Buffer, string, string?];

  async function post(pathname: string, authorization: string, parts: Part[]): Promise<Reply> {
    const form = new FormData();
    for (const part of parts) {
      if (part[0] === 'request') form.append('request', part[1]);
      else form.append(part[0], new Blob([part[1]], { type: part[3] ?? 'application/octet-stream' }), part[2]);
    }
    const res = await fetch(`${api.baseUrl}${pathname}`, { method: 'POST', headers: { authorization }, body: form });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  }

  /** A multipart body written by hand: a request field, a fine attachment, then one whose Content-Disposition carries `disposition`. */
  async function postRaw(authorization: string, disposition: string): Promise<Reply> {
    const boundary = `----porter${randomUUID()}`;
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="request"\r\n\r\n${JSON.stringify({ type: 'employees', format: 'csv' })}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="fine.txt"\r\nContent-Type: text/plain\r\n\r\nok\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="attachment"; ${disposition}\r\nContent-Type: text/plain\r\n\r\nx\r\n` +
      `--${boundary}--\r\n`;
    const res = await fetch(`${api.baseUrl}/api/v1/exports`, {
      method: 'POST',
      headers: { authorization, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : null, headers: res.headers };
  }

  async function download(authorization: string, jobId: string, name: string): Promise<{ status: number; bytes: Buffer }> {
    const res = await fetch(`${api.baseUrl}/api/v1/jobs/${jobId}/files/${encodeURIComponent(name)}`, { headers: { authorization } });
    return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  /** Every stored attachment object of every job (local storage): what a refused request must leave unchanged. */
  async function storedAttachmentObjects(): Promise<string[]> {
    const root = path.join(process.env.STORAGE_DIR!, 'job-queue');
    if (!existsSync(root)) return [];
    const found: string[] = [];
    for (const jobDir of await fs.readdir(root)) {
      const dir = path.join(root, jobDir, 'attachments');
      if (existsSync(dir)) for (const name of await fs.readdir(dir)) found.push(`${jobDir}/${name}`);
    }
    return found.sort();
  }

  async function jobsOf(tenant: string): Promise<number> {
    return (await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE tenant = $1`, [tenant])).rows[0].n;
  }
  async function exportsOf(tenant: string): Promise<number> {
    return (await pool.query(`SELECT count(*)::int AS n FROM exports.export_request WHERE tenant = $1`, [tenant])).rows[0].n;
  }

  it('an export with 2 attachments: listed with its files, downloaded byte for byte with the job\'s permissions (another tenant, a colleague: 404)', async () => {
    const tenant = `t-${randomUUID()}`;
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const ada = bearer('ada', tenant, { admin: true });
    const template = randomBytes(300_000);
    const notes = Buffer.from('Quarterly export for payroll.\nUse the template attached.\n');
    const res = await post('/api/v1/exports', ada, [
      ['request', JSON.stringify({ type: 'employees', format: 'csv', name: 'payroll' })],
      ['attachment', template, 'template.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      ['attachment', notes, 'notes.txt', 'text/plain'],
    ]);
    expect(res.status).toBe(202);
    expect(res.headers.get('location')).toBe(`/api/v1/exports/${res.json.id}`);
    expect(res.json).toEqual(expect.objectContaining({ type: 'employees', format: 'csv', name: 'payroll' }));
    const done = await waitForExport(exportsClient(api.baseUrl, ada), res.json.id);

    const files = await exportsClient(api.baseUrl, ada).call('GET', `/api/v1/jobs/${done.jobId}/files`);
    expect(files.status).toBe(200);
    expect(files.json.map((f: { name: string; kind: string }) => [f.name, f.kind]).sort()).toEqual(
      [
        [done.result.fileName, 'output'],
        ['notes.txt', 'attachment'],
        ['template.xlsx', 'attachment'],
      ].sort(),
    );
    expect(files.json.find((f: { name: string }) => f.name === 'template.xlsx')).toEqual(
      expect.objectContaining({ sizeBytes: template.length, contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }),
    );
    const gotTemplate = await download(ada, done.jobId, 'template.xlsx');
    expect(gotTemplate.status).toBe(200);
    expect(gotTemplate.bytes.equals(template)).toBe(true);
    const gotNotes = await download(ada, done.jobId, 'notes.txt');
    expect(gotNotes.status).toBe(200);
    expect(gotNotes.bytes.equals(notes)).toBe(true);

    expect((await download(bearer('ada', `t-${randomUUID()}`, { admin: true }), done.jobId, 'template.xlsx')).status).toBe(404);
    expect((await download(bearer('bob', tenant), done.jobId, 'notes.txt')).status).toBe(404);
  });

  it('refuses a sixth attachment (413) and an 11 MiB one (413) with a precise detail: nothing stored, no export, no job', async () => {
    const tenant = `t-${randomUUID()}`;
    const ada = bearer('ada', tenant, { admin: true });
    const request: Part = ['request', JSON.stringify({ type: 'employees', format: 'csv' })];
    const before = await storedAttachmentObjects();

    const six = await post('/api/v1/exports', ada, [request, ...[1, 2, 3, 4, 5, 6].map((i): Part => ['attachment', `file ${i}`, `f${i}.txt`])]);
    expect(six.status).toBe(413);
    expect(six.json.detail).toBe('At most 5 "attachment" file part(s) per upload');

    const big = await post('/api/v1/exports', ada, [request, ['attachment', 'small', 'small.txt'], ['attachment', Buffer.alloc(11 * MiB, 7), 'big.bin']]);
    expect(big.status).toBe(413);
    expect(big.json.detail).toBe(`An attachment may be at most ${10 * MiB} bytes`);

    expect(await exportsOf(tenant)).toBe(0);
    expect(await jobsOf(tenant)).toBe(0);
    expect(await storedAttachmentObjects()).toEqual(before);
  });

  it('validates the request field like the JSON body (same 400 problem), and refuses a missing, late or malformed one, storing nothing', async () => {
    const tenant = `t-${randomUUID()}`;
    const ada = bearer('ada', tenant, { admin: true });
    const before = await storedAttachmentObjects();
    const invalid = { type: 5, format: 'csv', surprise: true, columns: 'email' };

    const asJson = await exportsClient(api.baseUrl, ada).request(invalid);
    const asMultipart = await post('/api/v1/exports', ada, [['request', JSON.stringify(invalid)], ['attachment', 'x', 'x.txt']]);
    expect(asJson.status).toBe(400);
    expect(asMultipart.status).toBe(400);
    expect(asMultipart.json.errors).toEqual(asJson.json.errors);
    expect(asMultipart.json.detail).toBe(asJson.json.detail);

    // A request the command refuses (an unknown type: 422) is refused the same way too.
    const unknownJson = await exportsClient(api.baseUrl, ada).request({ type: 'nope', format: 'csv' });
    const unknownMultipart = await post('/api/v1/exports', ada, [['request', JSON.stringify({ type: 'nope', format: 'csv' })], ['attachment', 'x', 'x.txt']]);
    expect(unknownMultipart.status).toBe(unknownJson.status);
    expect(unknownMultipart.json.errors).toEqual(unknownJson.json.errors);

    const missing = await post('/api/v1/exports', ada, [['attachment', 'x', 'x.txt']]);
    expect(missing.status).toBe(400);
    expect(missing.json.detail).toBe('The "request" field must come before the first file part');
    const none = await post('/api/v1/exports', ada, []);
    expect(none.status).toBe(400);
    const late = await post('/api/v1/exports', ada, [['attachment', 'x', 'x.txt'], ['request', JSON.stringify({ type: 'employees', format: 'csv' })]]);
    expect(late.status).toBe(400);
    const malformed = await post('/api/v1/exports', ada, [['request', '{"type": "employees",']]);
    expect(malformed.status).toBe(400);
    expect(malformed.json.detail).toMatch(/^The "request" field is not valid JSON/);
    const notObject = await post('/api/v1/exports', ada, [['request', '["employees"]']]);
    expect(notObject.status).toBe(400);
    expect(notObject.json.detail).toBe('The "request" field must be a JSON object');

    // Neither JSON nor multipart: 415 as before.
    const text = await fetch(`${api.baseUrl}/api/v1/exports`, { method: 'POST', headers: { authorization: ada, 'content-type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);

    expect(await exportsOf(tenant)).toBe(0);
    expect(await jobsOf(tenant)).toBe(0);
    expect(await storedAttachmentObjects()).toEqual(before);

    // Without attachments the multipart form is the JSON request.
    const plain = await post('/api/v1/exports', ada, [['request', JSON.stringify({ type: 'employees', format: 'jsonl' })]]);
    expect(plain.status).toBe(202);
    expect(plain.json.format).toBe('jsonl');
  });

  it('hostile attachment names: a path is cut to its last segment (busboy), control characters (400 raw, 422 encoded) and over-long names (422) are refused; keys are never names', async () => {
    const tenant = `t-${randomUUID()}`;
    const ada = bearer('ada', tenant, { admin: true });
    const request: Part = ['request', JSON.stringify({ type: 'employees', format: 'csv' })];
    const before = await storedAttachmentObjects();

    // A raw control character in the part header: busboy refuses the body itself.
    const raw = await post('/api/v1/exports', ada, [request, ['attachment', 'ok', 'fine.txt'], ['attachment', 'x', 'bad\u0001name.txt']]);
    expect([raw.status, raw.json.detail]).toEqual([400, 'Malformed multipart request: Malformed part header']);
    // Encoded (RFC 5987 filename*), it reaches Porter's own rule; so does an over-long name.
    for (const disposition of [`filename*=utf-8''bad%01name.txt`, `filename*=utf-8''new%0Aline.txt`, `filename="${'n'.repeat(201)}"`]) {
      const refused = await postRaw(ada, disposition);
      expect([disposition, refused.status, refused.json.detail]).toEqual([disposition, 422, 'Invalid attachment name']);
      expect(refused.json.errors).toEqual([{ path: 'attachment.1', message: expect.stringMatching(/^file name must/) }]);
    }
    expect(await jobsOf(tenant)).toBe(0);
    expect(await storedAttachmentObjects()).toEqual(before);

    const traversal = await post('/api/v1/exports', ada, [request, ['attachment', 'escape', '../../x.txt']]);
    expect(traversal.status).toBe(202);
    const files = await exportsClient(api.baseUrl, ada).call('GET', `/api/v1/jobs/${traversal.json.jobId}/files`);
    expect(files.json.map((f: { name: string }) => f.name)).toEqual(['x.txt']);
    const stored = (await storedAttachmentObjects()).filter((key) => key.startsWith(`${traversal.json.jobId}/`));
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatch(new RegExp(`^${traversal.json.jobId}/[0-9a-f-]{36}$`));
    expect(existsSync(path.join(process.env.STORAGE_DIR!, 'x.txt'))).toBe(false);
    expect((await download(ada, traversal.json.jobId, 'x.txt')).bytes.toString()).toBe('escape');
  });

  it('keeps UTF-8 file names as sent, and refuses a misnamed or unknown part and a request given twice (400 naming it): nothing stored, no job', async () => {
    const tenant = `t-${randomUUID()}`;
    const ada = bearer('ada', tenant, { admin: true });
    const request: Part = ['request', JSON.stringify({ type: 'employees', format: 'csv' })];
    const accepted = await post('/api/v1/exports', ada, [request, ['attachment', 'M', 'Müller–Ærø 😀.txt']]);
    expect(accepted.status).toBe(202);
    const files = await exportsClient(api.baseUrl, ada).call('GET', `/api/v1/jobs/${accepted.json.jobId}/files`);
    expect(files.json.map((f: { name: string }) => f.name)).toEqual(['Müller–Ærø 😀.txt']);
    expect((await download(ada, accepted.json.jobId, 'Müller–Ærø 😀.txt')).bytes.toString()).toBe('M');

    const before = await storedAttachmentObjects();
    const form = new FormData();
    form.append('request', request[1]);
    form.append('attachments', new Blob(['lost']), 'notes.txt');
    const misnamed = await fetch(`${api.baseUrl}/api/v1/exports`, { method: 'POST', headers: { authorization: ada }, body: form });
    expect(misnamed.status).toBe(400);
    expect(await misnamed.json()).toMatchObject({ detail: expect.stringContaining('Unexpected file part "attachments"'), errors: [{ path: 'attachments' }] });
    const twice = await post('/api/v1/exports', ada, [request, ['request', JSON.stringify({ type: 'employees', format: 'xlsx' })]]);
    expect([twice.status, twice.json.detail]).toEqual([400, 'The "request" field is given twice']);
    expect(await jobsOf(tenant)).toBe(1);
    expect(await storedAttachmentObjects()).toEqual(before);
  });

  it('an idempotent replay answers with the first export and keeps none of its own files', async () => {
    const tenant = `t-${randomUUID()}`;
    const ada = bearer('ada', tenant, { admin: true });
    const send = async (file: string) => {
      const form = new FormData();
      form.append('request', JSON.stringify({ type: 'employees', format: 'csv' }));
      form.append('attachment', new Blob([file]), `${file}.txt`);
      const res = await fetch(`${api.baseUrl}/api/v1/exports`, { method: 'POST', headers: { authorization: ada, 'idempotency-key': 'same-key' }, body: form });
      return { status: res.status, replayed: res.headers.get('idempotent-replayed'), json: (await res.json()) as any };
    };
    const first = await send('first');
    expect(first.status).toBe(202);
    const afterFirst = await storedAttachmentObjects();
    const again = await send('second');
    expect([again.status, again.replayed, again.json.id]).toEqual([202, 'true', first.json.id]);
    const files = await exportsClient(api.baseUrl, ada).call('GET', `/api/v1/jobs/${first.json.jobId}/files`);
    expect(files.json.filter((f: { kind: string }) => f.kind === 'attachment').map((f: { name: string }) => f.name)).toEqual(['first.txt']);
    expect(await jobsOf(tenant)).toBe(1);
    expect(await storedAttachmentObjects()).toEqual(afterFirst);
  });

  it('OpenAPI: POST /exports takes JSON or multipart (request + attachment); the batch upload lists its attachment parts', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/api/docs-json`)).json()) as any;
    const content = doc.paths['/api/v1/exports'].post.requestBody.content;
    expect(content['application/json'].schema).toEqual({ $ref: '#/components/schemas/RequestExportBody' });
    const multipart = content['multipart/form-data'];
    expect(multipart.schema.required).toEqual(['request']);
    expect(multipart.schema.properties.request.$ref).toBe('#/components/schemas/RequestExportBody');
    expect(multipart.schema.properties.attachment).toEqual(expect.objectContaining({ type: 'array', maxItems: 5, items: { type: 'string', format: 'binary' } }));
    expect(multipart.encoding).toEqual({ request: { contentType: 'application/json' } });
    expect(JSON.stringify(doc)).not.toContain('x-porter-multipart-body');
    const upload = doc.paths['/api/v1/imports/{id}/batches'].post.requestBody.content['multipart/form-data'].schema;
    expect(upload.properties.attachment).toEqual(expect.objectContaining({ type: 'array', maxItems: 5 }));
  });

  it('an import batch with an attachment (before or after its file): stored with the batch\'s job, listed and downloaded', async () => {
    const tenant = `t-${randomUUID()}`;
    const alice = bearer('alice', tenant, { scopes: ['north'] });
    const imports = importsClient(api.baseUrl, alice);
    const mapping = Buffer.from('E-mail,email\nName,first_name\n');

    for (const order of ['after', 'before'] as const) {
      const recordId = await imports.createRecord();
      const file: Part = ['file', employeesCsv(5, order === 'after' ? 1 : 100), 'employees.csv', 'text/csv'];
      const attachment: Part = ['attachment', mapping, 'mapping-notes.csv', 'text/csv'];
      const up = await post(`/api/v1/imports/${recordId}/batches`, alice, order === 'after' ? [file, attachment] : [attachment, file]);
      expect(up.status).toBe(202);
      const batch = await imports.waitForBatch(recordId, up.json.id);
      expect(batch.status).toBe('completed');
      const files = await imports.call('GET', `/api/v1/jobs/${up.json.jobId}/files`);
      expect(files.json).toEqual([expect.objectContaining({ name: 'mapping-notes.csv', kind: 'attachment', sizeBytes: mapping.length })]);
      const got = await download(alice, up.json.jobId, 'mapping-notes.csv');
      expect(got.status).toBe(200);
      expect(got.bytes.equals(mapping)).toBe(true);
      expect((await download(bearer('alice', `t-${randomUUID()}`, { scopes: ['north'] }), up.json.jobId, 'mapping-notes.csv')).status).toBe(404);
    }

    // A sixth attachment refuses the upload: no batch, no job, nothing stored.
    const before = await storedAttachmentObjects();
    const recordId = await imports.createRecord();
    const six = await post(`/api/v1/imports/${recordId}/batches`, alice, [
      ['file', employeesCsv(2, 500), 'employees.csv', 'text/csv'],
      ...[1, 2, 3, 4, 5, 6].map((i): Part => ['attachment', `n${i}`, `n${i}.txt`]),
    ]);
    expect(six.status).toBe(413);
    expect(six.json.detail).toBe('At most 5 "attachment" file part(s) per upload');
    expect((await imports.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toEqual([]);
    expect((await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE tenant = $1 AND payload->>'importRecordId' = $2`, [tenant, recordId])).rows[0].n).toBe(0);
    expect(await storedAttachmentObjects()).toEqual(before);
  });

  it('with UPLOAD_MAX_FILES=2, attachments sent with two files are refused (422): no batch, no job, nothing stored', async () => {
    const two = await startApi({ ...EXPORT_ENV, UPLOAD_MAX_FILES: '2' });
    try {
      const tenant = `t-${randomUUID()}`;
      const alice = bearer('alice', tenant, { scopes: ['north'] });
      const imports = importsClient(two.baseUrl, alice);
      const recordId = await imports.createRecord();
      const before = await storedAttachmentObjects();
      const form = new FormData();
      form.append('file', new Blob([employeesCsv(2, 700)], { type: 'text/csv' }), 'one.csv');
      form.append('attachment', new Blob(['notes']), 'notes.txt');
      form.append('file', new Blob([employeesCsv(2, 800)], { type: 'text/csv' }), 'two.csv');
      const res = await fetch(`${two.baseUrl}/api/v1/imports/${recordId}/batches`, { method: 'POST', headers: { authorization: alice }, body: form });
      const json = (await res.json()) as any;
      expect(res.status).toBe(422);
      expect(json.errors).toEqual([{ path: 'attachment', message: 'sent with 2 files; send them with one' }]);
      expect((await imports.call('GET', `/api/v1/imports/${recordId}`)).json.batches).toEqual([]);
      expect(await jobsOf(tenant)).toBe(0);
      expect(await storedAttachmentObjects()).toEqual(before);
    } finally {
      await two.process.stop();
    }
  });
});

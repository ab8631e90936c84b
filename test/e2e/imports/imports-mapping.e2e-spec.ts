import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import path from 'path';
import { bearer } from '../../support/int-app';
import { buildXlsx, sheetXml } from '../../fixtures/imports/hostile-files';
import { employeeCount, importProcesses, importsClient, withDb } from './import-support';

/** Header aliases of the type and the upload's `mapping` field, through the real api and worker. */
describe('imports: column mapping (e2e)', () => {
  const api = importProcesses();

  async function upload(content: string | Buffer, fileName: string, fields: Array<[string, string]> = [], fieldsAfterFile: Array<[string, string]> = [], query = '') {
    const tenant = `t-${randomUUID()}`;
    const authorization = bearer('alice', tenant, { admin: true });
    const c = importsClient(api.baseUrl, authorization);
    const recordId = await c.createRecord();
    const form = new FormData();
    for (const [name, value] of fields) form.append(name, value);
    form.append('file', new Blob([typeof content === 'string' ? Buffer.from(content) : content]), fileName);
    for (const [name, value] of fieldsAfterFile) form.append(name, value);
    const res = await fetch(`${api.baseUrl}/api/v1/imports/${recordId}/batches${query}`, { method: 'POST', headers: { authorization }, body: form });
    return { status: res.status, json: (await res.json()) as any, c, recordId, tenant };
  }

  it('lists each column\'s aliases and imports a file whose headers are aliases, in any case and spacing', async () => {
    const types = (await importsClient(api.baseUrl, bearer('alice', 't')).call('GET', '/api/v1/imports/types')).json;
    const email = types.find((t: any) => t.type === 'employees').columns.find((c: any) => c.name === 'email');
    expect(email.aliases).toEqual(['E-mail', 'Email address', 'Mail']);

    const up = await upload('Given Name,SURNAME,e mail,Hire date\nAda,Lovelace,ada@example.com,2024-01-02\n', 'people.csv');
    expect(up.status).toBe(202);
    const batch = await up.c.waitForBatch(up.recordId, up.json.id);
    expect(batch).toMatchObject({
      status: 'completed',
      mapping: null,
      columnMapping: { 'Given Name': 'first_name', SURNAME: 'last_name', 'e mail': 'email', 'Hire date': 'hired_at' },
    });
    expect(await employeeCount(up.tenant)).toBe(1);
  });

  it('applies the mapping field over names and aliases, ignores columns mapped to null, and shows both', async () => {
    const mapping = { Courriel: 'email', Prénom: 'first_name', Nom: 'last_name', Remarques: null, Mail: 'notes' };
    const up = await upload('Prénom,Nom,Courriel,Remarques,Mail\nAda,Lovelace,ada@example.com,ignored,kept as notes\n', 'people.csv', [['mapping', JSON.stringify(mapping)]]);
    expect(up.status).toBe(202);
    expect(up.json.mapping).toEqual(mapping);
    const batch = await up.c.waitForBatch(up.recordId, up.json.id);
    expect(batch).toMatchObject({ status: 'completed', columnMapping: { Prénom: 'first_name', Nom: 'last_name', Courriel: 'email', Remarques: null, Mail: 'notes' } });
    const results = await up.c.results(up.recordId, up.json.id);
    expect(results.items).toEqual([expect.objectContaining({ status: 'completed' })]);
  });

  it('answers 422 at upload listing every required column still missing after mapping (CSV), with no batch', async () => {
    const up = await upload('Courriel,Remarks\nada@example.com,x\n', 'people.csv', [['mapping', JSON.stringify({ Courriel: 'email' })]]);
    expect(up.status).toBe(422);
    expect(up.json.errors).toEqual([{ path: 'file', message: 'invalid header: missing required columns "first_name", "last_name"' }]);
    expect((await up.c.call('GET', `/api/v1/imports/${up.recordId}`)).json.batches).toEqual([]);
  });

  it('maps XLSX headers and JSONL keys the same way', async () => {
    const xlsx = await buildXlsx({ Staff: sheetXml([['Forename', 'Family name', 'Work mail'], ['Ada', 'Lovelace', 'ada@example.com']]) });
    const ok = await upload(xlsx, 'staff.xlsx', [['mapping', JSON.stringify({ 'Work mail': 'email' })]]);
    expect(ok.status).toBe(202);
    expect(await ok.c.waitForBatch(ok.recordId, ok.json.id)).toMatchObject({ status: 'completed', columnMapping: { Forename: 'first_name', 'Family name': 'last_name', 'Work mail': 'email' } });

    const jsonl = `${JSON.stringify({ 'Given name': 'Ada', Surname: 'Lovelace', Courriel: 'ada@example.com', junk: 1 })}\n`;
    const lines = await upload(jsonl, 'people.jsonl', [['mapping', JSON.stringify({ Courriel: 'email', junk: null })]]);
    expect(lines.status).toBe(202);
    expect(await lines.c.waitForBatch(lines.recordId, lines.json.id)).toMatchObject({ status: 'completed', counts: { completed: 1 } });
  });

  it('answers 422 at upload listing each required column an XLSX header still lacks after mapping: no batch, no job, no row, no stored file', async () => {
    // The header is the chosen sheet's first non-blank row, read from the stored workbook.
    const xlsx = await buildXlsx({
      Cover: sheetXml([['first_name', 'last_name', 'email'], ['Not', 'This', 'sheet@example.com']]),
      Staff: sheetXml([[], ['Forename', 'Work mail', 'Remarks'], ['Ada', 'ada@example.com', 'x']]),
    });
    const up = await upload(xlsx, 'staff.xlsx', [['mapping', JSON.stringify({ 'Work mail': 'email', Remarks: 'notes' })]], [], '?sheet=Staff');
    expect(up.status).toBe(422);
    expect(up.json.errors).toEqual([{ path: 'file', message: 'invalid header: missing required column "last_name"' }]);
    expect(up.json.detail).toBe('The file\'s header does not fit import type "employees": invalid header: missing required column "last_name"');

    const both = await upload(await buildXlsx({ Staff: sheetXml([['Forename', 'Remarks'], ['Ada', 'x']]) }), 'staff.xlsx', [['mapping', JSON.stringify({ Remarks: 'notes' })]]);
    expect(both.status).toBe(422);
    expect(both.json.errors).toEqual([{ path: 'file', message: 'invalid header: missing required columns "last_name", "email"' }]);

    for (const refused of [up, both]) {
      expect((await refused.c.call('GET', `/api/v1/imports/${refused.recordId}`)).json.batches).toEqual([]);
      await withDb(async (db) => {
        const batches = await db.query('SELECT count(*)::int AS n FROM imports.import_batch WHERE import_record_id = $1', [refused.recordId]);
        const jobs = await db.query('SELECT count(*)::int AS n FROM job_queue.job WHERE tenant = $1', [refused.tenant]);
        expect([batches.rows[0].n, jobs.rows[0].n]).toEqual([0, 0]);
      });
      expect(await employeeCount(refused.tenant)).toBe(0);
      const dir = path.join(process.env.STORAGE_DIR!, 'imports', `t-${refused.tenant}`, refused.recordId);
      expect(await fs.readdir(dir).catch(() => [] as string[])).toEqual([]);
    }

    // The same workbook with the missing column mapped in is accepted and imported.
    const fixed = await upload(xlsx, 'staff.xlsx', [['mapping', JSON.stringify({ 'Work mail': 'email', Remarks: 'last_name' })]], [], '?sheet=Staff');
    expect(fixed.status).toBe(202);
    expect(await fixed.c.waitForBatch(fixed.recordId, fixed.json.id)).toMatchObject({ status: 'completed', counts: { completed: 1 } });
    // (where an accepted upload is kept: the directory checked empty above)
    expect(await fs.readdir(path.join(process.env.STORAGE_DIR!, 'imports', `t-${fixed.tenant}`, fixed.recordId))).toEqual([`${fixed.json.id}.upload`]);
  });

  it.each([
    ['not JSON', [['mapping', '{email']], 400, 'mapping'],
    ['an array', [['mapping', '["email"]']], 400, 'mapping'],
    ['a nested value', [['mapping', '{"E":{"x":1}}']], 400, 'mapping'],
    ['an unknown column', [['mapping', '{"Mail":"emial"}']], 422, 'mapping.Mail'],
    ['two headers for one column', [['mapping', '{"A":"email","B":"email"}']], 422, 'mapping.B'],
    ['a number as column', [['mapping', '{"A":5}']], 422, 'mapping.A'],
    ['empty', [['mapping', '']], 400, 'mapping'],
    ['a JSON string', [['mapping', '"email"']], 400, 'mapping'],
    ['JSON null', [['mapping', 'null']], 400, 'mapping'],
    ['over 64 KiB', [['mapping', JSON.stringify({ Mail: 'email', pad: 'x'.repeat(65 * 1024) })]], 400, 'mapping'],
    ['257 entries', [['mapping', JSON.stringify(Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`h${i}`, null])))]], 422, 'mapping'],
    ['an empty header', [['mapping', '{"":"email"}']], 422, 'mapping.'],
    ['a 201-character header', [['mapping', JSON.stringify({ ['h'.repeat(201)]: 'email' })]], 422, `mapping.${'h'.repeat(80)}`],
    ['a hostile column name', [['mapping', '{"Mail":"email; DROP TABLE directory.employee"}']], 422, 'mapping.Mail'],
    ['a __proto__ object value', [['mapping', '{"__proto__":{"polluted":"yes"}}']], 400, 'mapping'],
    ['naming a header twice (JSON.parse would keep the last silently)', [['mapping', '{"email":"email","first_name":"first_name", "em\\u0061il" :null}']], 400, 'mapping'],
  ] as Array<[string, Array<[string, string]>, number, string]>)('refuses a mapping that is %s', async (_what, fields, status, path) => {
    const up = await upload('email,first_name,last_name\na@example.com,A,B\n', 'people.csv', fields);
    expect(up.status).toBe(status);
    expect(up.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path })]));
  });

  it('takes a "__proto__" header as a plain header (no prototype is touched) and {} as no mapping', async () => {
    const proto = await upload('__proto__,first_name,last_name\nada@example.com,Ada,Lovelace\n', 'people.csv', [['mapping', '{"__proto__":"email"}']]);
    expect(proto.status).toBe(202);
    expect(Object.keys(proto.json.mapping)).toEqual(['__proto__']);
    expect(proto.json.mapping.__proto__).toBe('email');
    const batch = await proto.c.waitForBatch(proto.recordId, proto.json.id);
    expect(batch).toMatchObject({ status: 'completed', counts: { completed: 1 } });
    expect(Object.entries(batch.columnMapping).sort()).toEqual([['__proto__', 'email'], ['first_name', 'first_name'], ['last_name', 'last_name']]);
    const stored = await withDb(async (db) => (await db.query('SELECT email, first_name FROM directory.employee WHERE tenant = $1', [proto.tenant])).rows);
    expect(stored).toEqual([{ email: 'ada@example.com', first_name: 'Ada' }]);

    const empty = await upload('email,first_name,last_name\na@example.com,A,B\n', 'people.csv', [['mapping', '{}']]);
    expect(empty.status).toBe(202);
    expect(empty.json.mapping).toEqual({});
    expect(await empty.c.waitForBatch(empty.recordId, empty.json.id)).toMatchObject({ status: 'completed', counts: { completed: 1 } });
  });

  it('refuses a mapping sent after the file (400), leaving no batch', async () => {
    const up = await upload('email,first_name,last_name\na@example.com,A,B\n', 'people.csv', [], [['mapping', '{"A":"email"}']]);
    expect(up.status).toBe(400);
    expect(up.json.detail).toContain('must come before the "file" part');
    expect((await up.c.call('GET', `/api/v1/imports/${up.recordId}`)).json.batches).toEqual([]);
  });
});

import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { buildXlsx, sheetXml } from '../../fixtures/imports/hostile-files';
import { EMPLOYEE_HEADER, employeeRow, importProcesses, importsClient, withDb } from './import-support';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * An upload's declared type (file name extension, part Content-Type) must agree with its
 * content, for every pair of formats Porter reads: 415 naming both, and nothing stored or queued.
 */
describe('imports: declared file types must be honest (e2e)', () => {
  const api = importProcesses();
  let bodies: Record<'csv' | 'xlsx' | 'jsonl', Buffer>;

  beforeAll(async () => {
    const header = EMPLOYEE_HEADER.split(',');
    bodies = {
      csv: Buffer.from(`${EMPLOYEE_HEADER}\n${employeeRow(1)}\n`),
      jsonl: Buffer.from(`${JSON.stringify({ email: 'a@example.com', first_name: 'A', last_name: 'B' })}\n`),
      xlsx: await buildXlsx({ Sheet1: sheetXml([header]) }),
    };
  });

  async function upload(content: Buffer, fileName: string, contentType: string) {
    const tenant = `t-${randomUUID()}`;
    const authorization = bearer('alice', tenant, { admin: true });
    const recordId = await importsClient(api.baseUrl, authorization).createRecord();
    const form = new FormData();
    form.append('file', new Blob([content], { type: contentType }), fileName);
    const res = await fetch(`${api.baseUrl}/api/v1/imports/${recordId}/batches`, { method: 'POST', headers: { authorization }, body: form });
    return { status: res.status, json: (await res.json()) as any, tenant, recordId };
  }

  const cases: Array<[string, 'csv' | 'xlsx' | 'jsonl', string, string, string]> = [
    ['XLSX content named .csv', 'xlsx', 'people.csv', 'application/octet-stream', 'extension ".csv" declares CSV, but the content is XLSX'],
    ['JSONL content named .csv', 'jsonl', 'people.csv', 'application/octet-stream', 'extension ".csv" declares CSV, but the content is JSONL'],
    ['CSV content named .xlsx', 'csv', 'people.xlsx', 'application/octet-stream', 'extension ".xlsx" declares XLSX, but the content is CSV'],
    ['JSONL content named .xlsx', 'jsonl', 'people.xlsx', 'application/octet-stream', 'extension ".xlsx" declares XLSX, but the content is JSONL'],
    ['CSV content named .jsonl', 'csv', 'people.jsonl', 'application/octet-stream', 'extension ".jsonl" declares JSONL, but the content is CSV'],
    ['XLSX content named .jsonl', 'xlsx', 'people.jsonl', 'application/octet-stream', 'extension ".jsonl" declares JSONL, but the content is XLSX'],
    ['XLSX content sent as text/csv', 'xlsx', 'people', 'text/csv', 'Content-Type "text/csv" declares CSV, but the content is XLSX'],
    ['CSV content sent as the XLSX media type', 'csv', 'people', XLSX_TYPE, 'declares XLSX, but the content is CSV'],
    ['CSV content sent as application/x-ndjson', 'csv', 'people', 'application/x-ndjson', 'declares JSONL, but the content is CSV'],
    ['JSONL content sent as text/csv', 'jsonl', 'people', 'text/csv', `the part's Content-Type "text/csv" declares CSV, but the content is JSONL`],
    ['XLSX content sent as application/x-ndjson', 'xlsx', 'people', 'application/x-ndjson', `the part's Content-Type "application/x-ndjson" declares JSONL, but the content is XLSX`],
    ['JSONL content sent as the XLSX media type', 'jsonl', 'people', XLSX_TYPE, `the part's Content-Type "${XLSX_TYPE}" declares XLSX, but the content is JSONL`],
    ['CSV content named .pdf', 'csv', 'invoice.pdf', 'application/pdf', 'extension ".pdf" declares a type Porter does not import, but the content is CSV'],
    ['CSV named .csv but sent as image/png', 'csv', 'people.csv', 'image/png', 'Content-Type "image/png" declares a type Porter does not import'],
  ];

  it.each(cases)('refuses %s with 415 naming both, storing and queueing nothing', async (_what, body, fileName, contentType, reason) => {
    const res = await upload(bodies[body], fileName, contentType);
    expect(res.status).toBe(415);
    expect(res.json.detail).toContain(reason);
    await withDb(async (db) => {
      const batches = await db.query(`SELECT count(*)::int AS n FROM imports.import_batch WHERE import_record_id = $1`, [res.recordId]);
      const jobs = await db.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE tenant = $1`, [res.tenant]);
      expect([batches.rows[0].n, jobs.rows[0].n]).toEqual([0, 0]);
    });
  });

  it.each([
    ['people.csv', 'text/csv', 'csv'],
    ['people.csv', 'application/vnd.ms-excel', 'csv'],
    ['people.txt', 'text/plain', 'jsonl'],
    ['people.xlsx', XLSX_TYPE, 'xlsx'],
    ['people.ndjson', 'application/x-ndjson', 'jsonl'],
    ['upload', 'application/octet-stream', 'xlsx'],
  ] as const)('accepts %s sent as %s holding %s', async (fileName, contentType, body) => {
    const res = await upload(bodies[body], fileName, contentType);
    expect(res.status).toBe(202);
    expect(res.json.format).toBe(body);
  });
});

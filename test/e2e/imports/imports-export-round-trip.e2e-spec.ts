import { randomUUID } from 'crypto';
import ExcelJS from 'exceljs';
import { Readable } from 'stream';
import { bearer } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';
import { importProcesses, importsClient, withDb } from './import-support';

/** Employees whose values stress a round trip: quotes, commas, line breaks, formulas, unicode, nulls, empty texts. */
async function seedTenant(tenant: string): Promise<void> {
  const rows: unknown[][] = [
    ['Ada', 'Lovelace', 'ada@example.com', 'Engineering', '1234.50', '2015-12-10', true, 'north', 'plain note'],
    ['Grace', 'Hopper', 'grace@example.com', null, null, null, false, null, null],
    ['Zoë', "O'Brien, Jr.", 'zoe@example.com', 'R&D "Labs"', '-12.00', '2000-02-29', true, 'south', 'two\nlines, "quoted"'],
    ['Eve', 'Formula', 'eve@example.com', '=SUM(A1:A2)', '0.01', '1999-01-01', true, 'north', '+cmd|calc'],
    ['Mal', 'At', 'mal@example.com', '@import', '999999999999.99', '2024-06-30', false, 'east', '-minus first'],
    ['日本', '語', 'nihon@example.com', 'Tōkyō', '100', '2010-10-10', true, 'north', '\ttab first'],
    // Empty texts, not nulls: JSON Lines tells them apart ("" and null) and must keep them.
    ['Ed', 'Empty', 'ed@example.com', '', '5', '2020-01-01', true, 'north', ''],
    // Quotes a person typed before a formula character: the export adds one, the import drops one.
    // A day before Excel's serials are right (XLSX: written as its ISO text). Texts and days are
    // compared in the database below, value for value.
    ['Quinn', 'Quote', 'quinn@example.com', "''+two", '7', '1900-01-01', true, 'south', "'=already"],
    // Control characters XML cannot hold, and text a spreadsheet would decode (_xHHHH_): XLSX
    // writes both as ST_Xstring escapes (_x0007_, _x005F_x0041_) and reads them back.
    ['Ctl', 'Chars', 'ctl@example.com', 'R_x0041_D\u0001', '3', '2021-01-01', true, 'north', 'bell\u0007 unit\u001F _x0041_ _x005f_ _x004a_ vt\u000B ff\u000C end'],
  ];
  await withDb(async (db) => {
    for (const r of rows) {
      await db.query(
        `INSERT INTO directory.employee (tenant, first_name, last_name, email, department, salary, hired_at, active, scope_id, notes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [tenant, ...r],
      );
    }
  });
}

/** The rows of an exported file as comparable strings, without the id column, sorted. */
async function rowsOf(format: string, bytes: Buffer): Promise<string[]> {
  if (format === 'jsonl') {
    return bytes
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => {
        const { id, ...rest } = JSON.parse(l) as Record<string, unknown>;
        void id;
        return JSON.stringify(rest);
      })
      .sort();
  }
  if (format === 'csv') {
    const { parse } = await import('csv-parse/sync');
    const records = parse(bytes, { bom: true }) as string[][];
    const [header, ...data] = records;
    const idAt = header.indexOf('id');
    return [JSON.stringify(header.filter((_, i) => i !== idAt)), ...data.map((r) => JSON.stringify(r.filter((_, i) => i !== idAt))).sort()];
  }
  const book = new ExcelJS.Workbook();
  await book.xlsx.read(Readable.from([bytes]));
  const sheet = book.worksheets[0];
  const rows: string[] = [];
  sheet.eachRow((row) => {
    const values = (row.values as unknown[]).slice(2).map((v) => (v instanceof Date ? v.toISOString() : v ?? null));
    rows.push(JSON.stringify(values));
  });
  const [header, ...data] = rows;
  return [header, ...data.sort()];
}

describe('export → import → export round trip (ignoring ids)', () => {
  const api = importProcesses();

  for (const format of ['csv', 'xlsx', 'jsonl']) {
    it(`${format.toUpperCase()}: the re-export of the imported file matches the first export`, async () => {
      const source = `t-${randomUUID()}`;
      const target = `t-${randomUUID()}`;
      await seedTenant(source);
      const into = importsClient(api.baseUrl, bearer('root', target, { admin: true }));
      const first = await exportBinary(api.baseUrl, bearer('root', source, { admin: true }), format);

      const recordId = await into.createRecord();
      const up = await into.upload(recordId, first, `employees.${format}`);
      expect(up.status).toBe(202);
      expect(up.json.format).toBe(format);
      const batch = await into.waitForBatch(recordId, up.json.id);
      expect(batch).toMatchObject({ status: 'completed', counts: { total: 9, completed: 9, failed: 0 } });
      // The stored texts are the source's, value for value (an empty text may come back as no
      // value from CSV and XLSX, which cannot tell the two apart).
      const texts = (tenant: string) =>
        withDb(async (db) => (await db.query(`SELECT email, first_name, last_name, coalesce(department, '') AS department, coalesce(notes, '') AS notes, hired_at::text AS hired_at, salary::text AS salary FROM directory.employee WHERE tenant = $1 ORDER BY email`, [tenant])).rows);
      expect(await texts(target)).toEqual(await texts(source));

      const second = await exportBinary(api.baseUrl, bearer('root', target, { admin: true }), format);
      expect((await rowsOf(format, first)).length).toBe(format === 'jsonl' ? 9 : 10); // (+ header row for CSV and XLSX)
      expect(await rowsOf(format, second)).toEqual(await rowsOf(format, first));
    });
  }
});

/** Requests an `employees` export and downloads its exact bytes. */
async function exportBinary(baseUrl: string, authorization: string, format: string): Promise<Buffer> {
  const c = importsClient(baseUrl, authorization);
  const res = await c.call('POST', '/api/v1/exports', { type: 'employees', format });
  if (res.status !== 202) throw new Error(`export: ${res.status} ${res.text}`);
  const id = res.json.id as string;
  await waitFor(
    async () => {
      const info = await c.call('GET', `/api/v1/exports/${id}`);
      if (['failed', 'cancelled'].includes(info.json.status)) throw new Error(`export ${info.json.status}: ${info.text}`);
      return info.json.status === 'succeeded';
    },
    { timeoutMs: 60_000, intervalMs: 100, what: `the ${format} export` },
  );
  const download = await fetch(`${baseUrl}/api/v1/exports/${id}/download`, { headers: { authorization } });
  return Buffer.from(await download.arrayBuffer());
}

import { PassThrough } from 'stream';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { unescapeCopyText } from '@porter/platform';
import type { ExportColumn } from '../../public/dependencies/export-data-source.dependency';
import type { ExportFileWriter, ExportFileWriterConstructor } from '../../application/ports/export-file-writer.port';
import { CsvExportWriter } from './csv-export.writer';
import { JsonlExportWriter } from './jsonl-export.writer';
import { XlsxExportWriter } from './xlsx-export.writer';
import { readable } from './test-support/file-text';

/**
 * What Postgres itself writes in COPY text (its escapes, its number, date and boolean text, NULLs,
 * multibyte characters), read by the byte path, gives the same file as the same rows read as
 * values: the contract `ExportDataSource.copyText` promises.
 */
describe('CSV, JSONL and XLSX from the COPY text of real Postgres', () => {
  let client: Client;
  const columns: ExportColumn[] = [
    { key: 'note', header: 'note', type: 'string' },
    { key: 'amount', header: 'amount', type: 'number' },
    { key: 'day', header: 'day', type: 'date' },
    { key: 'flag', header: 'flag', type: 'boolean' },
    { key: 'at', header: 'at', type: 'datetime' },
  ];
  const select = `SELECT note, amount::text, to_char(day, 'YYYY-MM-DD'), flag, at FROM (VALUES
      ('plain', 12.50::numeric, DATE '2024-02-29', true, TIMESTAMPTZ '2024-05-06 07:08:09Z'),
      (E'tab\\there, "quoted"\\nnew line\\r\\\\ back', -0.001, NULL, false, NULL),
      ('=HYPERLINK("x")', 1e20, DATE '1900-03-01', NULL, TIMESTAMPTZ '1999-12-31 23:59:59.5+02'),
      ('', NULL, DATE '0001-01-01', true, NULL),
      (NULL, 0, NULL, false, NULL),
      ('Zoë 日本語 🎉 ' || chr(8232) || chr(1) || '_x0041_', 123456789012345678901234567890.5, DATE '2999-12-31', true, NULL),
      ('-5', 'NaN'::numeric, NULL, NULL, NULL),
      ('@user', 7, NULL, NULL, NULL)
    ) AS t(note, amount, day, flag, at), generate_series(1, 500) AS n ORDER BY n`;

  beforeAll(async () => {
    client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
  });

  afterAll(() => client.end());

  async function copyChunks(): Promise<Buffer[]> {
    const chunks: Buffer[] = [];
    for await (const chunk of client.query(copyTo(`COPY (${select}) TO STDOUT`)) as AsyncIterable<Buffer>) chunks.push(chunk);
    return chunks;
  }

  async function render(Writer: ExportFileWriterConstructor, write: (w: ExportFileWriter) => Promise<void>): Promise<Buffer> {
    const out = new PassThrough();
    const parts: Buffer[] = [];
    out.on('data', (c: Buffer) => parts.push(c));
    const writer = new Writer(out, columns, { neutralizeFormulas: true });
    await writer.writeHeader();
    await write(writer);
    await writer.finish();
    out.end();
    await new Promise((r) => out.once('end', r));
    return Buffer.concat(parts);
  }

  it.each([
    ['CSV', CsvExportWriter as ExportFileWriterConstructor],
    ['JSON Lines', JsonlExportWriter as ExportFileWriterConstructor],
    ['XLSX', XlsxExportWriter as ExportFileWriterConstructor],
  ])('%s: the byte path writes what the row path writes', async (name, Writer) => {
    const chunks = await copyChunks();
    const text = Buffer.concat(chunks).toString('utf8');
    const rows = text
      .slice(0, -1)
      .split('\n')
      .map((line) => line.split('\t').map((f) => (f === '\\N' ? null : unescapeCopyText(f))));
    expect(rows).toHaveLength(4000);
    let counted = 0;
    const fromBytes = await render(Writer, async (w) => {
      for (const chunk of chunks) counted += await w.writeCopyText!(chunk);
    });
    const fromRows = await render(Writer, (w) => w.writeRows(rows));
    expect(counted).toBe(4000);
    const written = await readable(fromBytes);
    expect(written).toBe(await readable(fromRows));
    // The tricky row really went through escapes and neutralisation.
    const neutralized = { CSV: `"'=HYPERLINK(""x"")"`, 'JSON Lines': `"'=HYPERLINK(\\"x\\")"`, XLSX: `<t>'=HYPERLINK("x")</t>` }[name];
    expect(written).toContain(neutralized);
    // A control character and text a spreadsheet would decode: as they are in CSV (JSON's \u0001 in JSONL), ST_Xstring escapes in XLSX.
    const escaped = { CSV: '\u0001_x0041_', 'JSON Lines': '\\u0001_x0041_', XLSX: '_x0001__x005F_x0041_' }[name]!;
    expect(written).toContain(escaped);
  });
});

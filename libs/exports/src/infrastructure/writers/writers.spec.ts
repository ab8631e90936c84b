import { PassThrough } from 'stream';
import { parse } from 'csv-parse/sync';
import * as ExcelJS from 'exceljs';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { CsvExportWriter } from './csv-export.writer';
import type { ExportFileWriter, ExportFileWriterConstructor, ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import { JsonlExportWriter } from './jsonl-export.writer';
import { columnLetters, XlsxExportWriter } from './xlsx-export.writer';
import { zipEntries } from './test-support/file-text';

const columns: ExportColumn[] = [
  { key: 'name', header: 'name', type: 'string' },
  { key: 'salary', header: 'salary', type: 'number' },
  { key: 'hired', header: 'hired_at', type: 'date' },
  { key: 'active', header: 'active', type: 'boolean' },
  { key: 'seen', header: 'seen_at', type: 'datetime' },
];

const rows: ExportRow[] = [
  ['Zoë "Z" Ødegård, Jr.', '123456789012.34', '2024-02-29', true, '2024-05-06T07:08:09.000Z'],
  { name: 'multi\nline\r\nnote', salary: -5, hired: new Date(Date.UTC(1999, 11, 31)), active: false, seen: null },
  ['', null, null, null, undefined],
  ['=1+2', '0.5', '1900-03-01', 't', new Date(Date.UTC(2020, 0, 1, 12))],
  ['+cmd', '-12', null, 'f', null],
  ['-2', 3, null, true, null],
  ['@SUM(A1)', 0, null, false, null],
  ['\tTAB', 1, null, false, null],
  ['\rCR', 1, null, false, null],
  ['🎉 日本語 <tag> & amp', 1, null, false, null],
];

async function render(Writer: ExportFileWriterConstructor, batches: ExportRow[][], options: Partial<ExportFileWriterOptions> = {}): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const writer: ExportFileWriter = new Writer(out, columns, { neutralizeFormulas: true, ...options });
  await writer.writeHeader();
  for (const batch of batches) await writer.writeRows(batch);
  await writer.finish();
  out.end();
  await new Promise((r) => out.once('end', r));
  return Buffer.concat(chunks);
}

describe('CsvExportWriter', () => {
  it('writes RFC 4180 CSV with a BOM, a header row and CRLF line ends that csv-parse reads back', async () => {
    const bytes = await render(CsvExportWriter, [rows.slice(0, 3), rows.slice(3)], { csvBom: true });
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = bytes.toString('utf8');
    expect(text.startsWith('\uFEFFname,salary,hired_at,active,seen_at\r\n')).toBe(true);
    const parsed: string[][] = parse(bytes, { bom: true, relax_column_count: false });
    expect(parsed[0]).toEqual(['name', 'salary', 'hired_at', 'active', 'seen_at']);
    expect(parsed.slice(1)).toEqual([
      ['Zoë "Z" Ødegård, Jr.', '123456789012.34', '2024-02-29', 'true', '2024-05-06T07:08:09.000Z'],
      ['multi\nline\r\nnote', '-5', '1999-12-31', 'false', ''],
      ['', '', '', '', ''],
      ["'=1+2", '0.5', '1900-03-01', 'true', '2020-01-01T12:00:00.000Z'],
      ["'+cmd", '-12', '', 'false', ''],
      ["'-2", '3', '', 'true', ''],
      ["'@SUM(A1)", '0', '', 'false', ''],
      ["'\tTAB", '1', '', 'false', ''],
      ["'\rCR", '1', '', 'false', ''],
      ['🎉 日本語 <tag> & amp', '1', '', 'false', ''],
    ]);
    // An empty string is "" and a null is nothing, so the two stay distinguishable.
    expect(text).toContain('\r\n"",,,,\r\n');
  });

  it('omits the BOM when asked and leaves formulas alone when neutralising is off', async () => {
    const bytes = await render(CsvExportWriter, [[['=1+2', 1, null, null, null]]], { csvBom: false, neutralizeFormulas: false });
    expect(bytes.toString('utf8')).toBe('name,salary,hired_at,active,seen_at\r\n=1+2,1,,,\r\n');
  });
});

describe('JsonlExportWriter', () => {
  it('writes one JSON object per line with typed values', async () => {
    const bytes = await render(JsonlExportWriter, [rows]);
    const text = bytes.toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(rows.length);
    expect(lines[0]).toEqual({ name: 'Zoë "Z" Ødegård, Jr.', salary: 123456789012.34, hired: '2024-02-29', active: true, seen: '2024-05-06T07:08:09.000Z' });
    // Exact decimal text, not a float rendering.
    expect(text.split('\n')[0]).toContain('"salary":123456789012.34,');
    expect(lines[1]).toEqual({ name: 'multi\nline\r\nnote', salary: -5, hired: '1999-12-31', active: false, seen: null });
    expect(lines[2]).toEqual({ name: '', salary: null, hired: null, active: null, seen: null });
    expect(lines.slice(3, 9).map((l) => l.name)).toEqual(["'=1+2", "'+cmd", "'-2", "'@SUM(A1)", "'\tTAB", "'\rCR"]);
    expect(lines[5].salary).toBe(3);
    expect(lines[4].salary).toBe(-12);
  });
});

describe('XlsxExportWriter', () => {
  it('writes a workbook exceljs reads back with typed cells and a frozen bold header', async () => {
    const bytes = await render(XlsxExportWriter, [rows.slice(0, 4), rows.slice(4)], { sheetName: 'employees' });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(workbook.worksheets).toHaveLength(1);
    const sheet = workbook.worksheets[0];
    expect(sheet.name).toBe('employees');
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(sheet.getRow(1).values).toEqual([undefined, 'name', 'salary', 'hired_at', 'active', 'seen_at']);
    expect(sheet.getCell('A1').font?.bold).toBe(true);
    expect(sheet.rowCount).toBe(rows.length + 1);
    const r2 = sheet.getRow(2);
    expect(r2.getCell(1).value).toBe('Zoë "Z" Ødegård, Jr.');
    expect(r2.getCell(2).value).toBe(123456789012.34);
    expect(r2.getCell(3).value).toEqual(new Date('2024-02-29T00:00:00Z'));
    expect(r2.getCell(4).value).toBe(true);
    expect(r2.getCell(5).value).toEqual(new Date('2024-05-06T07:08:09.000Z'));
    const r3 = sheet.getRow(3);
    expect(r3.getCell(1).value).toBe('multi\nline\r\nnote');
    expect(r3.getCell(2).value).toBe(-5);
    expect(r3.getCell(3).value).toEqual(new Date('1999-12-31T00:00:00Z'));
    expect(r3.getCell(4).value).toBe(false);
    expect(r3.getCell(5).value).toBeNull();
    expect(sheet.getRow(4).getCell(2).value).toBeNull();
    expect(sheet.getRow(5).getCell(1).value).toBe("'=1+2");
    expect(sheet.getRow(5).getCell(3).value).toEqual(new Date('1900-03-01T00:00:00Z'));
    expect(sheet.getRow(5).getCell(5).value).toEqual(new Date('2020-01-01T12:00:00Z'));
    expect([6, 7, 8, 9, 10].map((r) => sheet.getRow(r).getCell(1).value)).toEqual(["'+cmd", "'-2", "'@SUM(A1)", "'\tTAB", "'\rCR"]);
    expect(sheet.getRow(6).getCell(2).value).toBe(-12);
    expect(sheet.getRow(11).getCell(1).value).toBe('🎉 日本語 <tag> & amp');
    // Formula-looking text is stored as text, never as a formula.
    expect(sheet.getRow(5).getCell(1).type).toBe(ExcelJS.ValueType.String);
  });

  it('starts a new sheet, with its own header, when a sheet is full', async () => {
    const many: ExportRow[] = Array.from({ length: 7 }, (_, i) => [`row ${i}`, i, null, null, null]);
    const bytes = await render(XlsxExportWriter, [many.slice(0, 2), many.slice(2)], { sheetName: 'emp', maxRowsPerSheet: 3 });
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['emp', 'emp (2)', 'emp (3)']);
    const values = workbook.worksheets.map((s) => {
      const out: unknown[] = [];
      s.eachRow((row) => out.push(row.getCell(1).value));
      return out;
    });
    expect(values).toEqual([
      ['name', 'row 0', 'row 1', 'row 2'],
      ['name', 'row 3', 'row 4', 'row 5'],
      ['name', 'row 6'],
    ]);
    expect(workbook.worksheets[2].views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
  });

  it('writes a valid workbook with only the header when there are no rows', async () => {
    const bytes = await render(XlsxExportWriter, []);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(workbook.worksheets[0].rowCount).toBe(1);
  });

  it('writes the characters XML cannot hold, and text a reader would decode, as ST_Xstring escapes (_xHHHH_); a lone surrogate as U+FFFD', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const writer = new XlsxExportWriter(out, [{ key: 'a', header: 'a_x0041_\u0001', type: 'string' }], { neutralizeFormulas: true, sheetName: 'emp\u0001_x0041_' });
    await writer.writeHeader();
    const values = [
      'bell\u0007 and \uD800 lone',
      'a\u0001b',
      '_x0041_',
      '_x004a_ and _X0041_',
      '_x0041\u0002',
      '\u0000\u000B\u000C\u001F\uFFFE\uFFFF',
      '_x_x005F_',
      'snake_case_x y_x12',
      '\u000Bvertical tab first',
    ];
    await writer.writeRows(values.map((v) => [v]));
    await writer.finish();
    out.end();
    await new Promise((r) => out.once('end', r));
    const entries = await zipEntries(Buffer.concat(chunks));
    // A sheet's name still leaves such characters out (a name Excel refused would lose the file), and escapes `_x0041_`.
    expect(entries.find((e) => e.name === 'xl/workbook.xml')!.content.toString('utf8')).toContain('<sheet name="emp_x005F_x0041_" sheetId="1"');
    const xml = entries.find((e) => e.name === 'xl/worksheets/sheet1.xml')!.content.toString('utf8');
    const texts = [...xml.matchAll(/<t[^>]*>([^<]*)<\/t>/g)].map((m) => m[1]);
    expect(texts).toEqual([
      'a_x005F_x0041__x0001_',
      'bell_x0007_ and \uFFFD lone',
      'a_x0001_b',
      // The `_` that begins `_xHHHH_` is itself escaped (_x005F_), hex digits in either case: Excel reads both.
      '_x005F_x0041_',
      '_x005F_x004a_ and _X0041_',
      // `_x0041` then a control character, whose escape starts with `_`: the first `_` is escaped too.
      '_x005F_x0041_x0002_',
      '_x0000__x000B__x000C__x001F__xFFFE__xFFFF_',
      '_x_x005F_x005F_',
      'snake_case_x y_x12',
      '_x000B_vertical tab first',
    ]);
    // What an ST_Xstring reader makes of them (Excel and LibreOffice decode left to right, hex
    // digits in either case; exceljs does not decode inline strings): the values written.
    const decoded = texts.map((t) => t.replace(/&amp;|&lt;|&gt;/g, (e) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>' })[e]!).replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))));
    expect(decoded).toEqual(['a_x0041_\u0001', 'bell\u0007 and \uFFFD lone', ...values.slice(1)]);
  });

  it("writes days before 1900-03-01, which Excel's serials get wrong or cannot hold, as their ISO text; later ones as serials", async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const writer = new XlsxExportWriter(out, [{ key: 'd', header: 'd', type: 'date' }, { key: 't', header: 't', type: 'datetime' }], { neutralizeFormulas: true });
    await writer.writeHeader();
    await writer.writeRows([['1900-01-01', '1899-12-31T10:00:00Z'], ['1900-02-28', null], ['0001-01-01', null], ['1900-03-01', '1900-03-01T12:00:00Z']]);
    await writer.finish();
    out.end();
    await new Promise((r) => out.once('end', r));
    const xml = (await zipEntries(Buffer.concat(chunks))).find((e) => e.name === 'xl/worksheets/sheet1.xml')!.content.toString('utf8');
    expect(xml).toContain('<c r="A2" t="inlineStr"><is><t>1900-01-01</t></is></c>');
    expect(xml).toContain('<c r="B2" t="inlineStr"><is><t>1899-12-31T10:00:00.000Z</t></is></c>');
    expect(xml).toContain('<c r="A3" t="inlineStr"><is><t>1900-02-28</t></is></c>');
    expect(xml).toContain('<c r="A4" t="inlineStr"><is><t>0001-01-01</t></is></c>');
    expect(xml).toContain('<c r="A5" s="2"><v>61</v></c>');
    expect(xml).toContain('<c r="B5" s="3"><v>61.5</v></c>');
  });

  it("cuts a text at Excel's 32,767 characters, not between the halves of an emoji", async () => {
    const bytes = await render(XlsxExportWriter, [[[`${'y'.repeat(32766)}😀zz`, null, null, null, null]]]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    expect(workbook.worksheets[0].getCell('A2').value).toBe('y'.repeat(32766));
  });

  it('names columns like Excel', () => {
    expect([0, 25, 26, 51, 52, 701, 702].map(columnLetters)).toEqual(['A', 'Z', 'AA', 'AZ', 'BA', 'ZZ', 'AAA']);
  });
});

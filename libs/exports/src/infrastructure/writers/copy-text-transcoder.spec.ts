import { PassThrough } from 'stream';
import { seededRandom, unescapeCopyText } from '@porter/platform';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import type { ExportFileWriter, ExportFileWriterConstructor, ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import { CsvExportWriter } from './csv-export.writer';
import { JsonlExportWriter } from './jsonl-export.writer';
import { XlsxExportWriter } from './xlsx-export.writer';
import { readable } from './test-support/file-text';

/** PostgreSQL's COPY TO text encoding of one value (what the byte path reads). */
const copyValue = (v: string | null) =>
  v === null
    ? '\\N'
    : v.replace(/[\\\t\n\r\b\f\v]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\b': '\\b', '\f': '\\f', '\v': '\\v' })[c]!);

const columns: ExportColumn[] = [
  { key: 'name', header: 'name', type: 'string' },
  { key: 'salary', header: 'salary', type: 'number' },
  { key: 'hired', header: 'hired', type: 'date' },
  { key: 'active', header: 'active', type: 'boolean' },
  { key: 'seen', header: 'seen', type: 'datetime' },
  { key: 'note "q"', header: 'note', type: 'string' },
];

const VALUES: Record<ExportColumn['type'], string[]> = {
  string: ['', 'plain', 'a,b', 'say "hi"', 'multi\nline', '\r\n', 'tab\there', 'back\\slash', '\\N', '=1+2', '+cmd', '-2', '@SUM(A1)', "'q", "'=already", "''-2", "'", ' lead', 'é', '日本語', '🎉', '\u2028', '\u0001ctrl', '\u007f', 'x'.repeat(300), '<tag> & amp', 'trail ', '\u00a0nbsp', 'nbsp\u00a0', 'ends é', '\ufeffbom', 'bad\uffff', '\u3000ideo', 'x'.repeat(33000), '_x0041_', '_x004a_', '_X0041_', '_x0041', '41_', '_x00', 'snake_case', 'a_x', '\u0002', '\uFFFE_x'],
  number: ['0', '-12', '123.45', '1e5', ' 7 ', '012', 'abc', '', '-0', '1.', '.5', '1234567890123456789012.5', 'NaN', 'Infinity', '-', '3.'],
  date: ['2024-02-29', '1900-02-28', '1900-03-01', '1900-01-01', '0001-01-01', '1600-03-01', '1899-12-30', '9999-12-31', '2023-02-29', '2024-13-01', '2024-04-31', '2024-02-29T10:00:00Z', '24-1-1', 'nope', '', '2024/02/29', '2024-02-2x', '١٢٣٤-٥٦-٧٨'],
  boolean: ['t', 'f', 'true', 'false', 'yes', '', '1', 'T'],
  datetime: ['2024-05-06T07:08:09.000Z', '2024-05-06 07:08:09+02', 'garbage', '', '2024-05-06'],
};

function randomRows(seed: number, count: number): (string | null)[][] {
  const next = seededRandom(seed);
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)];
  return Array.from({ length: count }, () =>
    columns.map((c) => {
      if (next() < 0.15) return null;
      if (c.type !== 'string') return pick(VALUES[c.type]);
      const parts = Math.floor(next() * 3) + 1;
      return Array.from({ length: parts }, () => pick(VALUES.string)).join('');
    }),
  );
}

const copyText = (rows: (string | null)[][]) => Buffer.from(rows.map((r) => r.map(copyValue).join('\t') + '\n').join(''));

async function collect(Writer: ExportFileWriterConstructor, neutralizeFormulas: boolean, write: (w: ExportFileWriter) => Promise<void>, options: Partial<ExportFileWriterOptions> = {}): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const writer = new Writer(out, columns, { neutralizeFormulas, ...options });
  await writer.writeHeader();
  await write(writer);
  await writer.finish();
  out.end();
  await new Promise((r) => out.once('end', r));
  return Buffer.concat(chunks);
}

/** Fails with the first difference and its surroundings (whole files would drown the report). */
function expectSame(actual: string, expected: string, label: string): void {
  if (actual === expected) return;
  let at = 0;
  while (actual[at] === expected[at]) at++;
  throw new Error(`${label}: first difference at character ${at}: ${JSON.stringify(actual.slice(Math.max(0, at - 60), at + 60))} vs ${JSON.stringify(expected.slice(Math.max(0, at - 60), at + 60))}`);
}

const byRows = (Writer: ExportFileWriterConstructor, neutralize: boolean, rows: ExportRow[]) => collect(Writer, neutralize, (w) => w.writeRows(rows));

function byCopyText(Writer: ExportFileWriterConstructor, neutralize: boolean, chunks: Buffer[]): Promise<Buffer> {
  return collect(Writer, neutralize, async (w) => {
    for (const chunk of chunks) await w.writeCopyText!(chunk);
  });
}

/** `bytes` cut at `count` random places (through multibyte characters and rows alike). */
function split(bytes: Buffer, seed: number, count: number): Buffer[] {
  const next = seededRandom(seed);
  const cuts = [...new Set(Array.from({ length: count }, () => Math.floor(next() * bytes.length)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    parts.push(bytes.subarray(at, cut));
    at = cut;
  }
  return parts;
}

describe.each([
  ['CSV', CsvExportWriter as ExportFileWriterConstructor],
  ['JSON Lines', JsonlExportWriter as ExportFileWriterConstructor],
  ['XLSX', XlsxExportWriter as ExportFileWriterConstructor],
])('%s from COPY text bytes', (_name, Writer) => {
  it.each([true, false])('writes the same bytes as writeRows for 2,000 random rows of every kind of value (neutralize %s), whatever the chunking', async (neutralize) => {
    for (const seed of [1, 2, 3]) {
      const rows = randomRows(seed, 2000);
      const expected = await readable(await byRows(Writer, neutralize, rows));
      const bytes = copyText(rows);
      for (const cuts of [0, 7, 300, 5000]) {
        expectSame(await readable(await byCopyText(Writer, neutralize, split(bytes, seed * 31 + cuts, cuts))), expected, `seed ${seed}, ${cuts} cuts`);
      }
    }
    // 1.5–2.2 s alone (15 files of 2,000 rows); 26 s once, with integration and end-to-end runs
    // beside it on the two cores: a timeout would then say nothing about the bytes.
  }, 60_000);

  it('counts the rows it wrote, one chunk at a time, and keeps a cut row for the next chunk', async () => {
    const rows = randomRows(9, 10);
    const bytes = copyText(rows);
    const out = new PassThrough();
    out.resume();
    const writer = new Writer(out, columns, { neutralizeFormulas: true });
    await writer.writeHeader();
    const firstEnd = bytes.indexOf(10) + 1;
    expect(await writer.writeCopyText!(bytes.subarray(0, firstEnd + 3))).toBe(1);
    expect(await writer.writeCopyText!(bytes.subarray(firstEnd + 3))).toBe(9);
    await expect(writer.finish()).resolves.toBeUndefined();
  });

  it('fails at finish when the stream ended inside a row, rather than dropping it', async () => {
    const out = new PassThrough();
    out.resume();
    const writer = new Writer(out, columns, { neutralizeFormulas: true });
    await writer.writeHeader();
    expect(await writer.writeCopyText!(Buffer.from('a\t1\t2024-01-01\tt\t\\N\tb\nhalf a row'))).toBe(1);
    await expect(writer.finish()).rejects.toThrow('the COPY text ended inside a row');
  });

  it('refuses a row whose field count is not the column count', async () => {
    const writer = new Writer(new PassThrough(), columns, { neutralizeFormulas: true });
    await expect(writer.writeCopyText!(Buffer.from('a\t1\n'))).rejects.toThrow('a COPY text row has 2 fields where the export has 6 columns');
    const again = new Writer(new PassThrough(), columns, { neutralizeFormulas: true });
    await expect(again.writeCopyText!(Buffer.from('a\t1\t2\t3\t4\t5\t6\n'))).rejects.toThrow('a COPY text row has 7 fields');
  });

  it('reads bytes that are not UTF-8 as the row path decodes them: with replacement characters', async () => {
    const raw = Buffer.concat([Buffer.from('ok\t1\t2024-01-01\tt\t\\N\tbad '), Buffer.from([0xff, 0xc3]), Buffer.from(' end\n')]);
    const decoded = new TextDecoder().decode(raw);
    const rows = decoded
      .slice(0, -1)
      .split('\n')
      .map((line) => line.split('\t').map((f) => (f === '\\N' ? null : unescapeCopyText(f))));
    expect(await readable(await byCopyText(Writer, true, [raw.subarray(0, 30), raw.subarray(30)]))).toEqual(await readable(await byRows(Writer, true, rows)));
  });
});

describe('XLSX from COPY text bytes, sheet by sheet', () => {
  it('ends a full sheet and goes on in the next one between rows, as writeRows does, whatever the chunking', async () => {
    const rows = randomRows(5, 50);
    const options = { maxRowsPerSheet: 7, sheetName: 'emp' };
    const expected = await readable(await collect(XlsxExportWriter, true, (w) => w.writeRows(rows), options));
    expect(expected).toContain('xl/worksheets/sheet8.xml');
    const bytes = copyText(rows);
    for (const cuts of [0, 3, 40, 400]) {
      let counted = 0;
      const actual = await collect(
        XlsxExportWriter,
        true,
        async (w) => {
          for (const chunk of split(bytes, 77 + cuts, cuts)) counted += await w.writeCopyText!(chunk);
        },
        options,
      );
      expect(counted).toBe(50);
      expectSame(await readable(actual), expected, `${cuts} cuts`);
    }
  });

  it('sends a field holding `_x` + four hex digits, or a control character, to the formatter: the cell holds the ST_Xstring escapes a reader decodes back', async () => {
    const values = ['_x0041_', 'a\u0001b', 'snake_case_x', 'id_x12345', '_x004a_ \u001F'];
    const rows = values.map((v) => [v, null, null, null, null, null]);
    const xml = await readable(await byCopyText(XlsxExportWriter, true, [copyText(rows)]));
    const texts = [...xml.matchAll(/<c r="A\d+" t="inlineStr"><is><t[^>]*>([^<]*)<\/t>/g)].map((m) => m[1]);
    expect(texts).toEqual(['_x005F_x0041_', 'a_x0001_b', 'snake_case_x', 'id_x12345', '_x005F_x004a_ _x001F_']);
  });
});

import { Readable } from 'stream';
import type { ReadOptions, SourceFile, SourceRow } from '../../application/ports/import-file-reader.port';
import { DEFAULT_IMPORT_LIMITS } from '../../domain/import-limits';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { ImportFormat } from '../../public/enums/import-format';
import { CsvFileReader } from './csv-reader';
import { JsonlFileReader } from './jsonl-reader';

const csv = new CsvFileReader(DEFAULT_IMPORT_LIMITS);
const jsonl = new JsonlFileReader(DEFAULT_IMPORT_LIMITS);
/** A type of these text columns, an upload without a mapping. */
const typeOf = (...names: string[]): ReadOptions => ({
  sheet: null,
  mapping: null,
  definition: { type: 't', formats: [ImportFormat.Csv, ImportFormat.Jsonl], columns: names.map((name) => ({ name, type: 'string' })), uniqueKey: [], chunkSize: 100 },
});
const AB = typeOf('a', 'b');

/** An in-memory stored file served in small chunks, like ranged storage reads. */
function memoryFile(content: string | Buffer, chunk = 5): SourceFile {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return {
    sizeBytes: bytes.length,
    open: async (range) => {
      const slice = range ? bytes.subarray(range.start, range.end === undefined ? undefined : range.end + 1) : bytes;
      const parts: Buffer[] = [];
      for (let i = 0; i < slice.length; i += chunk) parts.push(slice.subarray(i, i + chunk));
      return Readable.from(parts);
    },
  };
}

async function all(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

describe('CSV reader', () => {
  it('reads RFC 4180 records (BOM, quotes, multi-line fields), un-neutralises exported formulas, resumes after a row', async () => {
    const file = memoryFile('\uFEFFa,b\r\n"x, ""y""","line1\r\nline2"\r\n\'=1+2,\'plain\r\n3,4\r\n');
    expect(await csv.scan(file)).toEqual({ dataRows: 3 });
    const reader = await csv.open(file, AB, 0);
    expect(reader.header).toEqual(['a', 'b']);
    expect(await all(reader.rows)).toEqual([
      { rowNumber: 1, cells: ['x, "y"', 'line1\r\nline2'] },
      { rowNumber: 2, cells: ['=1+2', "'plain"] },
      { rowNumber: 3, cells: ['3', '4'] },
    ]);
    const resumed = await csv.open(file, AB, 2);
    expect((await all(resumed.rows)).map((r) => r.rowNumber)).toEqual([3]);
    // A header neutralised like data (a failed-rows file's) reads back as it was; other quotes stay.
    const neutralised = await csv.open(memoryFile("'=a,'b\r\n''=x,'''+y\r\n"), AB, 0);
    expect(neutralised.header).toEqual(['=a', "'b"]);
    // One quote dropped before quotes and a formula character: a value that began with `'=` exports as `''=`.
    expect(await all(neutralised.rows)).toEqual([{ rowNumber: 1, cells: ["'=x", "''+y"] }]);
  });

  it('offers the same rows in batches (the job reads those), resuming after a row too', async () => {
    const text = `a,b\n${Array.from({ length: 500 }, (_, i) => `${i + 1},"x\n${i + 1}"`).join('\n')}\n`;
    const file = memoryFile(text, 97);
    const one = await all((await csv.open(file, AB, 0)).rows);
    const batched: SourceRow[] = [];
    for await (const batch of (await csv.open(file, AB, 0)).batches!) {
      expect(batch.length).toBeGreaterThan(0);
      batched.push(...batch);
    }
    expect(batched).toEqual(one);
    expect(one).toHaveLength(500);
    expect(one[499]).toEqual({ rowNumber: 500, cells: ['500', 'x\n500'] });
    const resumed: SourceRow[] = [];
    for await (const batch of (await csv.open(file, AB, 498)).batches!) resumed.push(...batch);
    expect(resumed.map((r) => r.rowNumber)).toEqual([499, 500]);
  });

  it('an empty file is refused', async () => {
    await expect(csv.scan(memoryFile(''))).rejects.toThrow(new FileRejectedError('the file is empty (no header row)'));
  });
});

describe('JSONL reader', () => {
  it("places each line's keys by name (any order or case), skips blank lines, fails bad lines alone", async () => {
    const file = memoryFile('{"a":1,"b":"x"}\r\n\n{"B":"y","a":2}\n{"a":3,"c":1}\nnot json\n{"a":"\'=cmd"}');
    expect(await jsonl.scan(file)).toEqual({ dataRows: 5 });
    const reader = await jsonl.open(file, AB, 0);
    expect(reader.header).toEqual(['a', 'b']);
    const rows = await all(reader.rows);
    expect(rows.slice(0, 2)).toEqual([
      { rowNumber: 1, cells: [1, 'x'] },
      { rowNumber: 2, cells: [2, 'y'] },
    ]);
    expect(rows[2].failure).toBe('unknown key "c" (rule: only the type\'s columns)');
    expect(rows[3].failure).toMatch(/^the line is not valid JSON/);
    // A key the line does not carry is absent (undefined), not null.
    expect(rows[4]).toEqual({ rowNumber: 5, cells: ['=cmd', undefined] });
  });

  it("tells the keys the lines used → their columns (the batch's columnMapping), through the mapping, skipped rows included", async () => {
    const file = memoryFile('{"A":1,"Bee":"x","skip":0}\n{"a":2,"shoe":1}\n[1]\n{"b":"z"}\n');
    const options = { ...AB, mapping: { Bee: 'b', skip: null } };
    for (const skip of [0, 2]) {
      const reader = await jsonl.open(file, options, skip);
      expect((await all(reader.rows)).map((r) => r.rowNumber)).toEqual(skip ? [3, 4] : [1, 2, 3, 4]);
      expect(reader.columnMapping?.()).toEqual({ A: 'a', Bee: 'b', skip: null, a: 'a', b: 'b' });
    }
  });

  it('the columns come from the type, not the first line: a later line may carry a key the first one omits', async () => {
    const file = memoryFile('{"a":1}\n{"a":2,"b":"late"}\n{"b":"only b"}\n');
    const reader = await jsonl.open(file, AB, 0);
    expect(reader.header).toEqual(['a', 'b']);
    expect(await all(reader.rows)).toEqual([
      { rowNumber: 1, cells: [1, undefined] },
      { rowNumber: 2, cells: [2, 'late'] },
      { rowNumber: 3, cells: [undefined, 'only b'] },
    ]);
  });

  it('a first line with an unknown key or that is not JSON fails that row only, not the file', async () => {
    const file = memoryFile('{"a":1,"shoe":44}\n{"a":"x",\n{"a":3}\n');
    const rows = await all((await jsonl.open(file, typeOf('a'), 0)).rows);
    expect(rows.map((r) => [r.rowNumber, r.failure ?? null])).toEqual([
      [1, 'unknown key "shoe" (rule: only the type\'s columns)'],
      [2, expect.stringMatching(/^the line is not valid JSON/)],
      [3, null],
    ]);
  });

  it('a column given twice (keys differing only in case) fails the row', async () => {
    const rows = await all((await jsonl.open(memoryFile('{"Email":"a@x.org","email":"b@x.org"}\n'), typeOf('email'), 0)).rows);
    expect(rows[0].failure).toBe('keys "Email" and "email" name the same column (rule: each column once)');
  });

  it('strips a UTF-8 byte-order mark before the first line, however the bytes arrive', async () => {
    const content = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}\n{"a":2}\n')]);
    for (const chunk of [1, 2, 3, 4, 64]) {
      const file = memoryFile(content, chunk);
      expect(await jsonl.scan(file)).toEqual({ dataRows: 2 });
      expect(await all((await jsonl.open(file, typeOf('a'), 0)).rows)).toEqual([
        { rowNumber: 1, cells: [1] },
        { rowNumber: 2, cells: [2] },
      ]);
    }
  });

  it('resumes after a row', async () => {
    const file = memoryFile('{"a":1}\n\n{"a":2}\n{"a":3}\n');
    expect((await all((await jsonl.open(file, typeOf('a'), 2)).rows)).map((r) => r.rowNumber)).toEqual([3]);
  });

  it('refuses a line over the limit while streaming', async () => {
    const limits = { ...DEFAULT_IMPORT_LIMITS, maxRecordBytes: 20 };
    await expect(new JsonlFileReader(limits).scan(memoryFile(`{"a":1}\n{"a":"${'x'.repeat(100)}"}\n`))).rejects.toThrow('the line starting at byte offset 8 is longer than the limit of 20 bytes');
  });
});

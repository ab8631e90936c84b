import { ImportBatchStatus } from '../public/enums/import-batch-status';
import { ImportFormat } from '../public/enums/import-format';
import type { ImportTypeDefinition } from '../public/dependencies/import-processor.dependency';
import { deriveBatchStatus } from './batch-status';
import { CsvStructureScanner } from './csv-structure-scanner';
import { sanitizeFileName } from './file-name';
import { FileRejectedError } from './file-rejected.error';
import { sniffFormat } from './format-sniffer';
import { unneutraliseFormula } from './formula';
import { validateHeader } from './header-validation';
import { DEFAULT_IMPORT_LIMITS } from './import-limits';
import { measureDepth, parseJsonLine } from './json-line';
import { validateCell, validateRow } from './row-validator';
import { firstInvalidOffset, Utf8Checker } from './utf8-check';

const TYPE: ImportTypeDefinition = {
  type: 't',
  formats: [ImportFormat.Csv],
  uniqueKey: ['email'],
  chunkSize: 10,
  columns: [
    { name: 'id', type: 'ignored' },
    { name: 'name', type: 'string', required: true, maxLength: 5 },
    { name: 'email', type: 'email', required: true },
    { name: 'salary', type: 'decimal', precision: 6, scale: 2 },
    { name: 'day', type: 'date' },
    { name: 'on', type: 'boolean' },
    { name: 'n', type: 'integer' },
  ],
};

describe('batch status from results (the seed projection)', () => {
  it.each([
    [{ pending: 0, completed: 0, partiallyFailed: 0, failed: 0 }, ImportBatchStatus.Created],
    [{ pending: 1, completed: 3, partiallyFailed: 0, failed: 0 }, ImportBatchStatus.Started],
    [{ pending: 0, completed: 3, partiallyFailed: 0, failed: 0 }, ImportBatchStatus.Completed],
    [{ pending: 0, completed: 0, partiallyFailed: 0, failed: 7 }, ImportBatchStatus.Failed],
    [{ pending: 0, completed: 1, partiallyFailed: 0, failed: 1 }, ImportBatchStatus.PartiallyFailed],
    [{ pending: 0, completed: 1, partiallyFailed: 1, failed: 0 }, ImportBatchStatus.PartiallyFailed],
    [{ pending: 0, completed: 0, partiallyFailed: 2, failed: 0 }, ImportBatchStatus.PartiallyFailed],
  ])('%j → %s', (tally, status) => expect(deriveBatchStatus(tally)).toBe(status));
});

describe('format sniffing decides by content', () => {
  const sniff = (s: string | Buffer, complete = true) => sniffFormat(typeof s === 'string' ? Buffer.from(s) : s, complete);
  it('recognises XLSX by the zip magic, JSONL by a first-line object, anything else UTF-8 as CSV', () => {
    expect(sniff(Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2]))).toEqual({ format: ImportFormat.Xlsx });
    expect(sniff('\uFEFF  {"a":1}\n{"a":2}\n')).toEqual({ format: ImportFormat.Jsonl });
    expect(sniff('a,b\n1,2\n')).toEqual({ format: ImportFormat.Csv });
  });
  it('refuses UTF-16, binary, invalid UTF-8 (with the offset) and a JSON first line that is not an object', () => {
    expect(sniff(Buffer.from([0xfe, 0xff, 0, 0x61]))).toEqual({ rejected: expect.stringContaining('UTF-16 (big-endian') });
    expect(sniff(Buffer.from('a\u0000b\u0000c\u0000d\u0000e\u0000', 'latin1'))).toEqual({ rejected: expect.stringContaining('UTF-16 without a byte-order mark') });
    expect(sniff(Buffer.from('%PDF-1.7'))).toEqual({ rejected: 'the file is a PDF document, not CSV, XLSX or JSONL' });
    expect(sniff(Buffer.from([0x61, 0x2c, 0xff, 0x0a]))).toEqual({ rejected: expect.stringContaining('invalid byte 0xff at byte offset 2') });
    expect(sniff('{"a":1')).toEqual({ rejected: expect.stringContaining('first line is not a JSON object') });
  });
  it('does not call a sample cut mid-character invalid', () => {
    const sample = Buffer.from('name\nZoë', 'utf8');
    expect(sniff(sample.subarray(0, sample.length - 1), false)).toEqual({ format: ImportFormat.Csv });
  });
});

describe('UTF-8 checking across chunk boundaries', () => {
  it('accepts a character split between chunks and reports the absolute offset of a bad byte', () => {
    const c = new Utf8Checker();
    const text = Buffer.from('ab€cd');
    expect(c.push(text.subarray(0, 3))).toBeNull();
    expect(c.push(text.subarray(3))).toBeNull();
    expect(c.push(Buffer.from([0x41, 0xc3, 0x28]))).toBe(text.length + 1);
    expect(firstInvalidOffset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0); // a surrogate
    const dangling = new Utf8Checker();
    expect(dangling.push(Buffer.from([0x41, 0xe2, 0x82]))).toBeNull();
    expect(dangling.end()).toBe(1);
  });
});

describe('CSV structure scan', () => {
  const scan = (text: string | Buffer, limits = DEFAULT_IMPORT_LIMITS, chunk = 7) => {
    const s = new CsvStructureScanner(limits);
    const buf = typeof text === 'string' ? Buffer.from(text) : text;
    for (let i = 0; i < buf.length; i += chunk) s.push(buf.subarray(i, i + chunk));
    return { rows: s.end(), delimiter: s.delimiter, bom: s.hasBom };
  };
  it('counts data rows across quoted multi-line fields, doubled quotes, CRLF, LF and CR', () => {
    expect(scan('a,b\r\n"x\r\ny","say ""hi"""\r\n3,4\r\n')).toEqual({ rows: 2, delimiter: '\r\n', bom: false });
    expect(scan('\uFEFFa,b\n1,2\n\n3,4')).toEqual({ rows: 2, delimiter: '\n', bom: true });
    expect(scan('a,b\r1,2\r3,4\r')).toEqual({ rows: 2, delimiter: '\r', bom: false });
  });
  it('refuses an unterminated quote, a stray quote, text after a closing quote, with offsets', () => {
    expect(() => scan('a,b\n1,"open\n')).toThrow('unterminated quoted field: the quote opened at byte offset 6 (row 1) is never closed');
    expect(() => scan('a,b\n1,x"y\n')).toThrow('a quote inside an unquoted field at byte offset 7 (row 1)');
    expect(() => scan('a,b\n"x"y,1\n')).toThrow('unexpected character after the closing quote of a field at byte offset 7 (row 1)');
  });
  it('enforces the record size and column limits without buffering', () => {
    const limits = { ...DEFAULT_IMPORT_LIMITS, maxRecordBytes: 16, maxColumns: 3 };
    expect(() => scan(`a,b\n${'x'.repeat(100)}\n`, limits)).toThrow('Row 1 starting at byte offset 4 is longer than the limit of 16 bytes');
    expect(() => scan('a,b,c,d\n', limits)).toThrow('The header row has more than 3 fields (the column limit)');
    expect(() => scan(Buffer.from([0x61, 0x0a, 0xc3, 0x28, 0x0a]))).toThrow(FileRejectedError);
  });
});

describe('header validation', () => {
  it('maps columns case-insensitively and ignores an `error` column (failed-rows file)', () => {
    const m = validateHeader(['ID', ' Name ', 'email', 'error'], TYPE);
    expect(m.columns.map((c) => c?.name)).toEqual(['id', 'name', 'email', undefined]);
  });
  it('reports every problem at once', () => {
    expect(() => validateHeader(['name', 'NAME', 'x', ''], TYPE)).toThrow(
      'invalid header: duplicate column "NAME" (columns 1 and 2); column 4 has an empty name; unknown column "x"; missing required column "email"',
    );
  });
});

describe('row validation', () => {
  const m = validateHeader(['id', 'name', 'email', 'salary', 'day', 'on', 'n'], TYPE);
  it('normalises valid values', () => {
    expect(validateRow(['9', 'Ada', ' ADA@X.org ', '0012.5', '2024-02-29', 'TRUE', '-7'], m)).toEqual({
      ok: true,
      values: { name: 'Ada', email: 'ada@x.org', salary: '12.5', day: '2024-02-29', on: true, n: -7 },
    });
    expect(validateRow(['', 'Bo', 'b@x.org', '', '', '', ''], m)).toEqual({ ok: true, values: { name: 'Bo', email: 'b@x.org', salary: null, day: null, on: null, n: null } });
  });
  it('names the column, the value and the rule of every failure', () => {
    const r = validateRow(['', 'Toolong', 'x', '1234.567', '2023-02-29', 'yes', '9007199254740993'], m);
    expect(r).toEqual({
      ok: false,
      failure: [
        'column "name": value "Toolong" is longer than 5 characters (rule: maxLength 5)',
        'column "email": value "x" is not an email address (rule: email)',
        'column "salary": value "1234.567" has more than 2 digits after the decimal point (rule: decimal(6,2))',
        'column "day": value "2023-02-29" is not a calendar date (rule: date YYYY-MM-DD)',
        'column "on": value "yes" is not true or false (rule: boolean)',
        'column "n": value "9007199254740993" is beyond 2^53 and cannot be kept exact (rule: integer)',
      ].join('; '),
    });
    expect(validateRow(['', '', 'a@b.co', '', '', '', ''], m)).toEqual({ ok: false, failure: 'column "name": a value is required (rule: required)' });
    expect(validateRow(['', 'A', 'a@b.co', '12345.00', '', '', ''], m)).toMatchObject({ failure: expect.stringContaining('more than 4 digits before the decimal point') });
    expect(validateRow(['x'], m)).toMatchObject({ failure: 'the row has 1 field but the header has 7 (rule: same number of fields as the header)' });
  });
  it('reads Excel serial dates for XLSX and typed JSON values', () => {
    expect(validateRow(['', 'A', 'a@b.co', 10.5, 43831, true, 3], m, { excelSerialDates: true })).toEqual({
      ok: true,
      values: { name: 'A', email: 'a@b.co', salary: '10.5', day: '2020-01-01', on: true, n: 3 },
    });
    expect(validateRow(['', { x: 1 }, 'a@b.co', '', '', '', ''], m)).toMatchObject({ failure: expect.stringContaining('is a nested object or array') });
  });
  it('a column absent from a JSONL line (undefined) stays out of the values when optional, and fails when required', () => {
    expect(validateRow([undefined, 'A', 'a@b.co', undefined, null, undefined, undefined], m)).toEqual({ ok: true, values: { name: 'A', email: 'a@b.co', day: null } });
    expect(validateRow([undefined, undefined, 'a@b.co', undefined, undefined, undefined, undefined], m)).toEqual({
      ok: false,
      failure: 'column "name": a value is required (rule: required)',
    });
  });
});

describe('an empty string', () => {
  it('is a value of an optional text column in JSONL, and no value in CSV and XLSX or in other columns', () => {
    const notes = { name: 'notes', type: 'string' as const };
    expect(validateCell('', notes, { emptyStringIsValue: true })).toBe('');
    expect(validateCell(null, notes, { emptyStringIsValue: true })).toBeNull();
    expect(validateCell('', notes)).toBeNull();
    expect(validateCell('', { name: 'day', type: 'date' }, { emptyStringIsValue: true })).toBeNull();
    expect(validateCell('', { name: 'name', type: 'string', required: true }, { emptyStringIsValue: true })).toEqual({
      problem: 'column "name": a value is required (rule: required)',
    });
  });
});

describe('JSONL lines', () => {
  it('refuses prototype keys anywhere, deep nesting before parsing, unsafe integers; accepts objects', () => {
    expect(parseJsonLine('{"a":1,"b":"x"}', 4, 10)).toEqual({ ok: true, object: { a: 1, b: 'x' } });
    expect(parseJsonLine('{"a":{"constructor":{}}}', 4, 10)).toMatchObject({ ok: false, failure: expect.stringContaining('"constructor" is not allowed') });
    expect(parseJsonLine(`{"a":${'['.repeat(100000)}`, 4, 10)).toMatchObject({ ok: false, failure: expect.stringContaining('deeper than 4') });
    expect(parseJsonLine('{"a":9007199254740993}', 4, 10)).toMatchObject({ ok: false, failure: expect.stringContaining('beyond 2^53') });
    // Decimals with more digits than a double keeps: refused, not rounded without a word.
    expect(parseJsonLine('{"salary":100.00999999999999999}', 4, 10)).toEqual({
      ok: false,
      failure: 'the number 100.00999999999999999 has more digits than a JSON number keeps exact (it would be read as 100.01); send it as a string (rule: exact numbers)',
    });
    expect(parseJsonLine('{"s":99999999999.999999999}', 4, 10)).toMatchObject({ ok: false, failure: expect.stringContaining('it would be read as 100000000000') });
    expect(parseJsonLine('{"s":1e400}', 4, 10)).toMatchObject({ ok: false, failure: expect.stringContaining('it would be read as Infinity') });
    // Exact however written; digits inside strings are text, not numbers.
    for (const line of ['{"a":0.30000000000000004}', '{"a":1.50000000000000000000}', '{"a":-12.5e1,"b":1e-7,"c":0.000001}', '{"a":"100.00999999999999999"}', '{"a":"x\\"","b":123456789012.345}']) {
      expect(parseJsonLine(line, 4, 10)).toMatchObject({ ok: true });
    }
    expect(parseJsonLine('[1]', 4, 10)).toMatchObject({ ok: false, failure: 'the line is not a JSON object (rule: one object per line)' });
    expect(measureDepth('{"a":"[[[[[[","b":[{}]}', 10)).toBe(3);
  });

  it('fails a line naming a key twice (JSON.parse would keep the last value silently), escapes and spacing included; nested and quoted look-alikes are not repeats', () => {
    const twice = (key: string) => ({ ok: false, failure: `the key "${key}" appears more than once (rule: each column once)` });
    expect(parseJsonLine('{"email":"a@x.com","email":"b@x.com"}', 4, 10)).toEqual(twice('email'));
    expect(parseJsonLine('{"notes":"n", "x":1, "notes" \t :null}', 4, 10)).toEqual(twice('notes'));
    expect(parseJsonLine('{"email":"a@x.com","em\\u0061il":"b@x.com"}', 4, 10)).toEqual(twice('email'));
    expect(parseJsonLine('{"a":{"b":1,"b":2},"c":"\\"a\\":"}', 4, 10)).toEqual({ ok: true, object: { a: { b: 2 }, c: '"a":' } });
    expect(parseJsonLine('{"a":1,"b":["a",{"a":2}]}', 4, 10)).toEqual({ ok: true, object: { a: 1, b: ['a', { a: 2 }] } });
  });
});

describe('small rules', () => {
  it('undoes only the export neutralisation of formulas', () => {
    expect(unneutraliseFormula("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(unneutraliseFormula("'-5")).toBe('-5');
    expect(unneutraliseFormula("'quoted")).toBe("'quoted");
  });
  it('keeps a harmless file name', () => {
    expect(sanitizeFileName('C:\\Users\\x\\..\\évil<name>.csv')).toBe('évil_name_.csv');
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('...')).toBeNull();
  });
});

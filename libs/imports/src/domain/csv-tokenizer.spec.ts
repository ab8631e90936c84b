import { CsvTokenizer } from './csv-tokenizer';
import { FileRejectedError } from './file-rejected.error';
import { DEFAULT_IMPORT_LIMITS, ImportLimits } from './import-limits';

type Limits = Pick<ImportLimits, 'maxRecordBytes' | 'maxColumns'>;

/** Tokenizes `input` fed in chunks of `chunk` bytes (Infinity: one chunk). */
function tokenize(input: string | Buffer, chunk = Infinity, limits: Limits = DEFAULT_IMPORT_LIMITS, materialize = true) {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const t = new CsvTokenizer(limits, { materialize });
  const records: string[][] = [];
  const step = Number.isFinite(chunk) ? chunk : Math.max(1, bytes.length);
  for (let i = 0; i < bytes.length; i += step) records.push(...t.push(bytes.subarray(i, i + step)));
  records.push(...t.end());
  return { records, count: t.records, delimiter: t.delimiter, bom: t.hasBom };
}

/** The error a tokenization throws (whatever the chunking, it must be the same). */
function failure(input: string | Buffer, limits: Limits = DEFAULT_IMPORT_LIMITS): FileRejectedError {
  const errors: FileRejectedError[] = [];
  for (const chunk of [1, 2, 3, 5, 7, 64, Infinity]) {
    for (const materialize of [true, false]) {
      try {
        tokenize(input, chunk, limits, materialize);
      } catch (error) {
        expect(error).toBeInstanceOf(FileRejectedError);
        errors.push(error as FileRejectedError);
        continue;
      }
      throw new Error(`no error with chunks of ${chunk} bytes`);
    }
  }
  for (const e of errors) expect([e.message, e.byteOffset]).toEqual([errors[0].message, errors[0].byteOffset]);
  return errors[0];
}

/** Tokenizes with every chunk size from 1 to the input length and checks they all agree. */
function everySplit(input: string | Buffer, limits: Limits = DEFAULT_IMPORT_LIMITS) {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  const whole = tokenize(bytes, Infinity, limits);
  for (let chunk = 1; chunk <= bytes.length; chunk++) {
    const split = tokenize(bytes, chunk, limits);
    expect({ chunk, ...split }).toEqual({ chunk, ...whole });
    expect(tokenize(bytes, chunk, limits, false).count).toBe(whole.count);
  }
  return whole;
}

describe('CsvTokenizer: RFC 4180', () => {
  it('reads quoted fields with commas, doubled quotes, empty quotes and line breaks', () => {
    const { records, delimiter } = everySplit('a,b,c\n"x, y","say ""hi""",""\n"multi\nline\r\nfield",2,"\r"\n');
    expect(delimiter).toBe('\n');
    expect(records).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', ''],
      ['multi\nline\r\nfield', '2', '\r'],
    ]);
  });

  it('keeps empty fields, a trailing comma, a last record without a line break, and skips empty lines', () => {
    expect(everySplit('a,b\n\n,\n1,\n\n\n,2\n3,4').records).toEqual([['a', 'b'], ['', ''], ['1', ''], ['', '2'], ['3', '4']]);
    expect(everySplit('a,b\n1,').records).toEqual([['a', 'b'], ['1', '']]);
    expect(tokenize('').records).toEqual([]);
    expect(tokenize('\n\n').records).toEqual([]);
  });

  it('keeps whitespace and apostrophes as data (no trimming, no formula handling here)', () => {
    expect(everySplit(" a , 'b\n").records).toEqual([[' a ', " 'b"]]);
  });
});

describe('CsvTokenizer: record delimiters', () => {
  it('decides CRLF, LF or CR from the first one met outside quotes', () => {
    expect(everySplit('a,b\r\n1,2\r\n').delimiter).toBe('\r\n');
    expect(everySplit('a,b\n1,2\n').delimiter).toBe('\n');
    expect(everySplit('a,b\r1,2\r').delimiter).toBe('\r');
    expect(everySplit('"x\r\ny"\r3\r').delimiter).toBe('\r'); // the CRLF inside quotes does not count
    expect(everySplit('a,b\r1,2\r').records).toEqual([['a', 'b'], ['1', '2']]);
    expect(everySplit('a\r').records).toEqual([['a']]);
  });

  it('ends a record at every line break outside quotes, LF, CRLF and CR mixed, leaving no CR in a value', () => {
    // A header saved with LF, rows appended with CRLF (files edited or joined by different tools).
    expect(everySplit('a,b\n1,2\r\n3,"x"\r\n4,\r\n').records).toEqual([['a', 'b'], ['1', '2'], ['3', 'x'], ['4', '']]);
    expect(everySplit('a,b\r\n1,2\n3,"x"\n').records).toEqual([['a', 'b'], ['1', '2'], ['3', 'x']]);
    expect(everySplit('a,b\r\nx\ry,1\n2\r\n').records).toEqual([['a', 'b'], ['x'], ['y', '1'], ['2']]);
    expect(everySplit('a,b\rx,y\n1,2\r').records).toEqual([['a', 'b'], ['x', 'y'], ['1', '2']]); // a CR ending the file ends the record
    expect(everySplit('a,b\n"x"\r"y",1\n').records).toEqual([['a', 'b'], ['x'], ['y', '1']]);
  });

  it('keeps CR and LF inside quotes, whatever the record ends are', () => {
    expect(everySplit('a,b\n"x\r\ny","1\r"\r\n"\n",2\r').records).toEqual([['a', 'b'], ['x\r\ny', '1\r'], ['\n', '2']]);
  });

  it('reports the first line break as the delimiter', () => {
    expect(tokenize('a,b\r\n1,2\n').delimiter).toBe('\r\n');
    expect(tokenize('a,b\n1,2\r\n').delimiter).toBe('\n');
    expect(tokenize('a,b\r1,2\n').delimiter).toBe('\r');
  });
});

describe('CsvTokenizer: encoding', () => {
  it('strips a UTF-8 BOM, even when it arrives one byte at a time', () => {
    const r = everySplit('\uFEFFa,b\r\n1,2\r\n');
    expect(r).toMatchObject({ bom: true, records: [['a', 'b'], ['1', '2']] });
    expect(tokenize('a,\uFEFF\n').records).toEqual([['a', '\uFEFF']]); // only at the very start
  });

  it('reads multi-byte characters split across chunks (2, 3 and 4 bytes)', () => {
    expect(everySplit('näme,€uro,"😀, ""ü"""\nZoë,∑,🚀\n').records).toEqual([
      ['näme', '€uro', '😀, "ü"'],
      ['Zoë', '∑', '🚀'],
    ]);
  });

  it('refuses invalid UTF-8 with the absolute byte offset of the bad byte', () => {
    const bad = Buffer.concat([Buffer.from('a,é\n€,x'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    const e = failure(bad);
    expect(e.message).toBe('the file is not valid UTF-8 (invalid byte at byte offset 10)'); // a é € , x: 10 bytes, 7 characters
    expect(e.byteOffset).toBe(10);
    expect(failure(Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80, 0x0a])).message).toBe('the file is not valid UTF-8 (invalid byte at byte offset 2)'); // a surrogate
    expect(failure(Buffer.from([0x61, 0x0a, 0x62, 0xe2, 0x82])).message).toBe('the file is not valid UTF-8 (truncated character at byte offset 3)');
    expect(failure(Buffer.from([0x61, 0x0d, 0xe2, 0x82])).message).toBe('the file is not valid UTF-8 (truncated character at byte offset 2)');
  });
});

describe('CsvTokenizer: structure errors with byte offsets', () => {
  it('an unterminated quote names where the quote opened (bytes, after multi-byte text)', () => {
    const csv = 'a,b\n€,"open\n1,2\n';
    const e = failure(csv);
    expect(e.message).toBe(`unterminated quoted field: the quote opened at byte offset ${Buffer.from(csv).indexOf('"')} (row 1) is never closed`);
    expect(e.byteOffset).toBe(8);
  });

  it('a quote inside an unquoted field and text after a closing quote', () => {
    expect(failure('a,b\n1,x"y\n').message).toBe('a quote inside an unquoted field at byte offset 7 (row 1); quote the whole field and double inner quotes ("")');
    expect(failure('a,b\nü,"x"y\n').message).toMatch(/^unexpected character after the closing quote of a field at byte offset 10 \(row 1\)/);
    expect(failure('"a"b\n').message).toMatch(/at byte offset 3 \(the header row\)/);
  });
});

describe('CsvTokenizer: limits', () => {
  it('a record may take exactly the limit in bytes (terminator excluded), one more is refused', () => {
    const limits = { ...DEFAULT_IMPORT_LIMITS, maxRecordBytes: 8 };
    expect(everySplit('ab\n12345678\n1234567\n', limits).records).toEqual([['ab'], ['12345678'], ['1234567']]);
    expect(failure('ab\n123456789\n', limits).message).toBe('Row 1 starting at byte offset 3 is longer than the limit of 8 bytes');
    expect(failure('ab\n123456789', limits).message).toBe('Row 1 starting at byte offset 3 is longer than the limit of 8 bytes');
  });

  it('counts bytes, not characters', () => {
    const limits = { ...DEFAULT_IMPORT_LIMITS, maxRecordBytes: 8 };
    expect(everySplit('a\n€€\n', limits).records).toEqual([['a'], ['€€']]); // 6 bytes
    expect(failure('a\n€€€\n', limits).message).toBe('Row 1 starting at byte offset 2 is longer than the limit of 8 bytes'); // 9 bytes, 3 characters
    expect(failure('\uFEFF€€€\n', limits).message).toBe('The header row starting at byte offset 3 is longer than the limit of 8 bytes');
  });

  it('refuses an over-long record while it streams, before its end arrives', () => {
    const limits = { ...DEFAULT_IMPORT_LIMITS, maxRecordBytes: 16 };
    const t = new CsvTokenizer(limits, { materialize: true });
    expect(t.push(Buffer.from('h\nx'))).toEqual([['h']]);
    expect(t.push(Buffer.from('x'.repeat(15)))).toEqual([]); // 16 bytes: still within the limit
    expect(() => t.push(Buffer.from('x'))).toThrow('Row 1 starting at byte offset 2 is longer than the limit of 16 bytes');
    const quoted = new CsvTokenizer(limits, { materialize: false });
    quoted.push(Buffer.from('h\n1,"'));
    expect(() => quoted.push(Buffer.from('y'.repeat(20)))).toThrow(
      'Row 1 starting at byte offset 2 is longer than the limit of 16 bytes inside a quoted field opened at byte offset 4 (an unterminated quote?)',
    );
  });

  it('refuses more fields than the column limit, at the comma that starts one too many', () => {
    const limits = { ...DEFAULT_IMPORT_LIMITS, maxColumns: 3 };
    expect(everySplit('a,b,c\n1,2,3\n', limits).records).toEqual([['a', 'b', 'c'], ['1', '2', '3']]);
    const e = failure('a,b,c\n1,2,3,4\n', limits);
    expect([e.message, e.byteOffset]).toEqual(['Row 1 has more than 3 fields (the column limit)', 11]);
    expect(failure('a,b,"c",\n', limits).message).toBe('The header row has more than 3 fields (the column limit)');
  });
});

describe('CsvTokenizer: any chunking reads any well-formed file the same', () => {
  const ALPHABET = ['a', 'b', ' ', ',', '"', '\n', '\r', 'é', '€', '😀', "'", ';'];
  const serialise = (records: string[][], eol: string) =>
    records
      .map((r) => r.map((f) => (/[",\r\n]/.test(f) || (r.length === 1 && f === '') ? `"${f.replace(/"/g, '""')}"` : f)).join(','))
      .join(eol) + eol;

  it('round-trips random records (quotes, separators, line breaks, multi-byte text) with CRLF, LF and CR', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let trial = 0; trial < 60; trial++) {
      const eol = ['\r\n', '\n', '\r'][trial % 3];
      const width = 1 + random(4);
      const records = Array.from({ length: 1 + random(5) }, () =>
        Array.from({ length: width }, () => Array.from({ length: random(6) }, () => ALPHABET[random(ALPHABET.length)]).join('')),
      );
      const csv = serialise(records, eol);
      const bytes = Buffer.from(csv);
      for (const chunk of [1, 2, 3, 4, 5, 8, 13, bytes.length]) {
        expect({ csv, chunk, records: tokenize(bytes, chunk).records }).toEqual({ csv, chunk, records });
      }
      expect(tokenize(bytes, 3, DEFAULT_IMPORT_LIMITS, false).count).toBe(records.length);
    }
  });
});

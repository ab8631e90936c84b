import { Readable } from 'stream';
import * as yazl from 'yazl';
import { DEFAULT_IMPORT_LIMITS, ImportLimits } from '../../domain/import-limits';
import { FileRejectedError } from '../../domain/file-rejected.error';
import type { ReadOptions, SourceFile, SourceRow } from '../../application/ports/import-file-reader.port';
import { ImportFormat } from '../../public/enums/import-format';
import type { ImportTypeDefinition } from '../../public/dependencies/import-processor.dependency';
import { validateHeader } from '../../domain/header-validation';
import { prepareRow, validationOptionsFor } from '../../domain/prepared-row';
import { XlsxFileReader } from './xlsx-reader';
import { inspectXlsx, NotAnXlsxWorkbookError } from './xlsx-workbook';

/** An in-memory stored file; counts the ranged reads made of it. */
function memoryFile(bytes: Buffer): SourceFile & { reads: number } {
  const file = {
    reads: 0,
    sizeBytes: bytes.length,
    open: async (range?: { start: number; end?: number }) => {
      file.reads++;
      const slice = range ? bytes.subarray(range.start, range.end === undefined ? undefined : range.end + 1) : bytes;
      const parts: Buffer[] = [];
      for (let i = 0; i < slice.length; i += 4096) parts.push(slice.subarray(i, i + 4096));
      return Readable.from(parts);
    },
  };
  return file;
}

async function zip(parts: Record<string, string | Buffer>, compress = true): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(parts)) z.addBuffer(typeof content === 'string' ? Buffer.from(content) : content, name, { compress });
  z.end();
  const chunks: Buffer[] = [];
  for await (const chunk of z.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const WORKBOOK =
  '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>';
const RELS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>';

/** A workbook whose sheet has `rows` (cells "s:N" are shared-string references). */
function workbook(rows: string[][], sharedStrings?: string[], extra: Record<string, string> = {}): Promise<Buffer> {
  const cell = (v: string, c: number, r: number) => {
    const ref = `${String.fromCharCode(65 + c)}${r + 1}`;
    return v.startsWith('s:') ? `<c r="${ref}" t="s"><v>${v.slice(2)}</v></c>` : `<c r="${ref}" t="inlineStr"><is><t>${v}</t></is></c>`;
  };
  const sheet = `<worksheet><sheetData>${rows.map((cells, r) => `<row r="${r + 1}">${cells.map((v, c) => cell(v, c, r)).join('')}</row>`).join('')}</sheetData></worksheet>`;
  const parts: Record<string, string> = { 'xl/workbook.xml': WORKBOOK, 'xl/_rels/workbook.xml.rels': RELS, 'xl/worksheets/sheet1.xml': sheet, ...extra };
  if (sharedStrings) parts['xl/sharedStrings.xml'] = `<sst>${sharedStrings.map((s) => `<si><t>${s}</t></si>`).join('')}</sst>`;
  return zip(parts);
}

async function rowsOf(file: SourceFile, limits: ImportLimits = DEFAULT_IMPORT_LIMITS): Promise<{ header: string[]; rows: SourceRow[] }> {
  const reader = await new XlsxFileReader(limits).open(file, FIRST_SHEET, 0);
  const rows: SourceRow[] = [];
  try {
    for await (const row of reader.rows) rows.push(row);
  } finally {
    await reader.close();
  }
  return { header: reader.header, rows };
}

const limited = (changes: Partial<ImportLimits>): ImportLimits => ({ ...DEFAULT_IMPORT_LIMITS, ...changes });
const FIRST_SHEET: ReadOptions = { sheet: null, mapping: null, definition: { type: 't', formats: [ImportFormat.Xlsx], columns: [], uniqueKey: [], chunkSize: 1 } };

describe('XLSX reader: hostile and unusual workbooks', () => {
  it('reads a workbook with shared strings; opening it reads the stored file once (the central directory comes from one tail read)', async () => {
    const file = memoryFile(await workbook([['s:0', 's:1'], ['Ada', 's:2']], ['first_name', 'email', 'ada@example.com']));
    await inspectXlsx(file, DEFAULT_IMPORT_LIMITS);
    expect(file.reads).toBe(1);
    expect(await rowsOf(file)).toEqual({ header: ['first_name', 'email'], rows: [{ rowNumber: 1, cells: ['Ada', 'ada@example.com'] }] });
  });

  it('a zip that is not a workbook is refused as such, with a hint of what it is', async () => {
    const docx = await zip({ '[Content_Types].xml': '<Types/>', '_rels/.rels': '<Relationships/>', 'word/document.xml': '<w:document/>' });
    await expect(inspectXlsx(memoryFile(docx), DEFAULT_IMPORT_LIMITS)).rejects.toThrow(
      new NotAnXlsxWorkbookError(['word/document.xml']),
    );
    await expect(inspectXlsx(memoryFile(docx), DEFAULT_IMPORT_LIMITS)).rejects.toThrow(
      'the file is a zip archive but not an XLSX workbook (it has no xl/workbook.xml); it looks like a Word document (.docx)',
    );
    const jar = await zip({ 'META-INF/MANIFEST.MF': 'Manifest-Version: 1.0\n', 'a/B.class': Buffer.from([0xca, 0xfe]) });
    await expect(inspectXlsx(memoryFile(jar), DEFAULT_IMPORT_LIMITS)).rejects.toThrow('(it has no xl/workbook.xml); it looks like a Java archive (.jar)');
    const plain = await zip({ 'notes.txt': 'hello' });
    await expect(inspectXlsx(memoryFile(plain), DEFAULT_IMPORT_LIMITS)).rejects.toThrow(
      new FileRejectedError('the file is a zip archive but not an XLSX workbook (it has no xl/workbook.xml)'),
    );
  });

  it('more zip entries than the limit are refused from the central directory', async () => {
    const file = memoryFile(await workbook([['a']], undefined, { 'xl/media/1.txt': 'x', 'xl/media/2.txt': 'y' }));
    await expect(inspectXlsx(file, limited({ maxZipEntries: 4 }))).rejects.toThrow(new FileRejectedError('the XLSX has 5 zip entries, more than the limit of 4'));
    await expect(inspectXlsx(file, limited({ maxZipEntries: 5 }))).resolves.toBeUndefined();
  });

  it('more cells than the limit refuse the sheet', async () => {
    const file = memoryFile(await workbook([['a', 'b'], ['1', '2'], ['3', '4']]));
    await expect(new XlsxFileReader(limited({ maxCells: 5 })).scan(file, FIRST_SHEET)).rejects.toThrow(new FileRejectedError('the XLSX sheet has more than 5 cells'));
    await expect(new XlsxFileReader(limited({ maxCells: 6 })).scan(file, FIRST_SHEET)).resolves.toEqual({ dataRows: 2 });
  });

  it('more shared strings than the limit are refused', async () => {
    const file = memoryFile(await workbook([['s:0']], ['a', 'b', 'c', 'd']));
    await expect(rowsOf(file, limited({ maxSharedStrings: 3 }))).rejects.toThrow(new FileRejectedError('the XLSX has more than 3 shared strings'));
    await expect(rowsOf(file, limited({ maxSharedStrings: 4 }))).resolves.toMatchObject({ header: ['a'] });
  });

  it('shared strings past their memory budget (2 bytes per character + 32 per string) are refused', async () => {
    // Three strings of 10 characters: 3 x (32 + 20) = 156 bytes.
    const file = memoryFile(await workbook([['s:0']], ['aaaaaaaaaa', 'bbbbbbbbbb', 'cccccccccc']));
    await expect(rowsOf(file, limited({ maxSharedStringBytes: 155 }))).rejects.toThrow(
      new FileRejectedError('the XLSX shared strings need more than 155 bytes of memory (3 strings, 30 characters; counted as 2 bytes per character + 32 per string)'),
    );
    await expect(rowsOf(file, limited({ maxSharedStringBytes: 156 }))).resolves.toMatchObject({ header: ['aaaaaaaaaa'] });
    // Many empty strings are refused too: characters alone would not count them.
    const empties = memoryFile(await workbook([['s:0']], Array.from({ length: 100 }, () => '')));
    await expect(rowsOf(empties, limited({ maxSharedStringBytes: 32 * 99 }))).rejects.toThrow('(100 strings, 0 characters;');
  });

  it('cell references are read in either case, and one that names no column and row refuses the sheet instead of losing its value', async () => {
    const sheetOf = (refs: string[]) =>
      zip({
        'xl/workbook.xml': WORKBOOK,
        'xl/_rels/workbook.xml.rels': RELS,
        'xl/worksheets/sheet1.xml': `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c><c r="B1" t="inlineStr"><is><t>notes</t></is></c></row><row r="2">${refs
          .map((ref, i) => `<c r="${ref}" t="inlineStr"><is><t>v${i}</t></is></c>`)
          .join('')}</row></sheetData></worksheet>`,
      });
    expect(await rowsOf(memoryFile(await sheetOf(['a2', 'b2'])))).toEqual({ header: ['email', 'notes'], rows: [{ rowNumber: 1, cells: ['v0', 'v1'] }] });
    for (const ref of ['$B$2', '2', 'B', 'B-2']) {
      const file = memoryFile(await sheetOf(['A2', ref]));
      await expect(new XlsxFileReader(DEFAULT_IMPORT_LIMITS).scan(file, FIRST_SHEET)).rejects.toThrow(
        new FileRejectedError(`an XLSX cell has the reference "${ref}", which is not a column and a row (such as "B7")`),
      );
    }
  });

  it('a text, attribute value or comment longer than maxXmlRunChars refuses the part before it is held whole', async () => {
    const withSheet = (sheet: string) => zip({ 'xl/workbook.xml': WORKBOOK, 'xl/_rels/workbook.xml.rels': RELS, 'xl/worksheets/sheet1.xml': sheet });
    const cell = (inner: string) => `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>${inner}</t></is></c></row></sheetData></worksheet>`;
    const refused = (part: string) => new FileRejectedError(`the XLSX part "${part}" has a text, attribute or comment longer than 1000 characters (no spreadsheet's)`);
    for (const sheet of [cell('x'.repeat(300_000)), `<worksheet a="${'y'.repeat(300_000)}"/>`, `<worksheet><!--${'<'.repeat(300_000)}--></worksheet>`]) {
      const file = memoryFile(await withSheet(sheet));
      await expect(new XlsxFileReader(limited({ maxXmlRunChars: 1000 })).scan(file, FIRST_SHEET)).rejects.toThrow(refused('xl/worksheets/sheet1.xml'));
    }
    const wideName = await zip({ 'xl/workbook.xml': WORKBOOK.replace('name="S"', `name="${'n'.repeat(300_000)}"`), 'xl/_rels/workbook.xml.rels': RELS, 'xl/worksheets/sheet1.xml': cell('a') });
    await expect(new XlsxFileReader(limited({ maxXmlRunChars: 1000 })).scan(memoryFile(wideName), FIRST_SHEET)).rejects.toThrow(refused('xl/workbook.xml'));
    // Many short texts and tags are no run: only what the parser holds unreported counts.
    const many = memoryFile(await withSheet(cell('a'.repeat(900)).replace('</row>', `</row>${'<row><c t="inlineStr"><is><t>z</t></is></c></row>'.repeat(2000)}`)));
    await expect(new XlsxFileReader(limited({ maxXmlRunChars: 1000 })).scan(many, FIRST_SHEET)).resolves.toEqual({ dataRows: 2000 });
  });

  it('a workbook listing very many sheets is read keeping only the chosen one; a missing name lists the first 20 and the count', async () => {
    const sheets = Array.from({ length: 30_000 }, (_, i) => `<sheet name="S${i}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('');
    const workbookXml = WORKBOOK.replace(/<sheets>.*<\/sheets>/, `<sheets>${sheets}</sheets>`);
    const file = memoryFile(
      await zip({
        'xl/workbook.xml': workbookXml,
        'xl/_rels/workbook.xml.rels': RELS,
        'xl/worksheets/sheet1.xml': '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row></sheetData></worksheet>',
      }),
    );
    expect((await rowsOf(file)).header).toEqual(['email']);
    const names = Array.from({ length: 20 }, (_, i) => `"S${i}"`).join(', ');
    await expect(new XlsxFileReader(DEFAULT_IMPORT_LIMITS).scan(file, { ...FIRST_SHEET, sheet: 'Nope' })).rejects.toThrow(
      new FileRejectedError(`the XLSX has no sheet named "Nope" (sheets: ${names}, ... (30000 sheets))`),
    );
  });

  it('a shared-string cell whose index is not digits refuses the sheet instead of reading string 0 (Number("") is 0)', async () => {
    for (const index of ['', ' ', '1e0', '0x1', '-0', '1.0']) {
      const file = memoryFile(await workbook([['s:0', 's:1'], ['s:1', `s:${index}`]], ['email', 'notes']));
      await expect(new XlsxFileReader(DEFAULT_IMPORT_LIMITS).scan(file, FIRST_SHEET)).rejects.toThrow(
        new FileRejectedError(`an XLSX cell refers to shared string "${index}", which does not exist`),
      );
    }
    expect(await rowsOf(memoryFile(await workbook([['s:0', 's:1'], ['s:1', 's: 0 ']], ['email', 'notes'])))).toMatchObject({ rows: [{ cells: ['notes', 'email'] }] });
  });

  it('a cell holding an Excel error value (#DIV/0!, #N/A) fails its row instead of being read as text', async () => {
    const c = (ref: string, v: string, t = 'inlineStr') => (t === 'inlineStr' ? `<c r="${ref}" t="inlineStr"><is><t>${v}</t></is></c>` : `<c r="${ref}" t="${t}"><f>1/0</f><v>${v}</v></c>`);
    const sheet = `<worksheet><sheetData><row r="1">${c('A1', 'email')}${c('B1', 'notes')}</row><row r="2">${c('A2', 'a@x.co')}${c('B2', '#DIV/0!', 'e')}</row><row r="3">${c('A3', 'b@x.co')}${c('B3', 'fine', 'str')}</row><row r="4">${c('A4', '#N/A', 'e')}${c('B4', '#REF!', 'e')}</row></sheetData></worksheet>`;
    const file = memoryFile(await zip({ 'xl/workbook.xml': WORKBOOK, 'xl/_rels/workbook.xml.rels': RELS, 'xl/worksheets/sheet1.xml': sheet }));
    const error = (column: string, value: string) => `column "${column}": value "${value}" is an Excel error, not a value (rule: no error values)`;
    expect((await rowsOf(file)).rows).toEqual([
      { rowNumber: 1, cells: ['a@x.co', '#DIV/0!'], failure: error('notes', '#DIV/0!'), failedCells: [{ index: 1, problem: error('notes', '#DIV/0!') }] },
      { rowNumber: 2, cells: ['b@x.co', 'fine'] },
      {
        rowNumber: 3,
        cells: ['#N/A', '#REF!'],
        failure: `${error('email', '#N/A')}; ${error('notes', '#REF!')}`,
        failedCells: [
          { index: 0, problem: error('email', '#N/A') },
          { index: 1, problem: error('notes', '#REF!') },
        ],
      },
    ]);
  });

  it("a row with an Excel error value fails with the error and its other cells' problems, in column order", async () => {
    const c = (ref: string, v: string, t = 'inlineStr') => (t === 'inlineStr' ? `<c r="${ref}" t="inlineStr"><is><t>${v}</t></is></c>` : `<c r="${ref}" t="${t}"><f>1/0</f><v>${v}</v></c>`);
    const sheet = `<worksheet><sheetData><row r="1">${c('A1', 'email')}${c('B1', 'salary')}${c('C1', 'name')}</row><row r="2">${c('A2', 'not-an-email')}${c('B2', '#DIV/0!', 'e')}${c('C2', '')}</row></sheetData></worksheet>`;
    const file = memoryFile(await zip({ 'xl/workbook.xml': WORKBOOK, 'xl/_rels/workbook.xml.rels': RELS, 'xl/worksheets/sheet1.xml': sheet }));
    const { header, rows } = await rowsOf(file);
    const definition: ImportTypeDefinition = {
      type: 't',
      formats: [ImportFormat.Xlsx],
      uniqueKey: ['email'],
      chunkSize: 1,
      columns: [
        { name: 'email', type: 'email', required: true },
        { name: 'salary', type: 'decimal', precision: 8, scale: 2 },
        { name: 'name', type: 'string', required: true },
      ],
    };
    expect(prepareRow(rows[0], validateHeader(header, definition), validationOptionsFor(ImportFormat.Xlsx)).failure).toBe(
      'column "email": value "not-an-email" is not an email address (rule: email); ' +
        'column "salary": value "#DIV/0!" is an Excel error, not a value (rule: no error values); ' +
        'column "name": a value is required (rule: required)',
    );
  });

  it('a strict-format date cell (t="d") at midnight reads as its date; one with a time of day keeps it', async () => {
    const d = (ref: string, v: string) => `<c r="${ref}" t="d"><v>${v}</v></c>`;
    const head = `<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c><c r="B1" t="inlineStr"><is><t>notes</t></is></c></row>`;
    const sheet = `<worksheet><sheetData>${head}<row r="2"><c r="A2" t="inlineStr"><is><t>a@x.co</t></is></c>${d('B2', '2020-01-31T00:00:00')}</row><row r="3"><c r="A3" t="inlineStr"><is><t>b@x.co</t></is></c>${d('B3', '2020-01-31T00:00:00.000Z')}</row><row r="4"><c r="A4" t="inlineStr"><is><t>c@x.co</t></is></c>${d('B4', '2020-01-31T13:45:00')}</row></sheetData></worksheet>`;
    const file = memoryFile(await zip({ 'xl/workbook.xml': WORKBOOK, 'xl/_rels/workbook.xml.rels': RELS, 'xl/worksheets/sheet1.xml': sheet }));
    expect((await rowsOf(file)).rows.map((r) => r.cells)).toEqual([
      ['a@x.co', '2020-01-31'],
      ['b@x.co', '2020-01-31'],
      ['c@x.co', '2020-01-31T13:45:00'],
    ]);
  });

  it('decodes ST_Xstring escapes (_xHHHH_, hex in either case) in shared and inline strings and text results, as Excel shows them', async () => {
    const c = (ref: string, inner: string, t = 'inlineStr') => (t === 'inlineStr' ? `<c r="${ref}" t="inlineStr"><is>${inner}</is></c>` : `<c r="${ref}" t="${t}">${inner}</c>`);
    const sheet =
      `<worksheet><sheetData><row r="1">${c('A1', '<t>not_x0065_s</t>')}${c('B1', '<v>0</v>', 's')}${c('C1', '<v>1</v>', 's')}${c('D1', '<f>A1</f><v>r_x0065_sult</v>', 'str')}</row>` +
      `<row r="2">${c('A2', '<t>a_x0001_b</t>')}${c('B2', '<v>2</v>', 's')}${c('C2', '<v>3</v>', 's')}${c('D2', '<f>1</f><v>1_x0031_</v>', 'n')}</row>` +
      `<row r="3">${c('A3', '<r><t>_x00</t></r><r><t>41_ x_x004a_</t></r>')}${c('B3', '<v>4</v>', 's')}${c('C3', '<v>5</v>', 's')}${c('D3', '<t>_xD83D__xDE00_ _X0041_ _x004G_ _x41_</t>')}</row>` +
      '</sheetData></worksheet>';
    const shared = ['<t>e_x006D_ail</t>', '<t>b_x005F_x0041_</t>', '<t>line_x000D__x000A_two</t>', '<r><t>x_x0009_</t></r><r><t>y_x001f_</t></r>', '<t>_x005f_x0041_</t>', '<t>kept</t><rPh><t>_x0041_</t></rPh>'];
    const file = memoryFile(
      await zip({
        'xl/workbook.xml': WORKBOOK,
        'xl/_rels/workbook.xml.rels': RELS,
        'xl/worksheets/sheet1.xml': sheet,
        'xl/sharedStrings.xml': `<sst>${shared.map((si) => `<si>${si}</si>`).join('')}</sst>`,
      }),
    );
    expect(await rowsOf(file)).toEqual({
      header: ['notes', 'email', 'b_x0041_', 'result'],
      rows: [
        // A number is no ST_Xstring: its text stays as it is (and a number column would refuse it).
        { rowNumber: 1, cells: ['a\u0001b', 'line\r\ntwo', 'x\ty\u001f', '1_x0031_'] },
        // Each run is decoded alone: an escape cut between two runs is text; so are _X, a non-hex digit, too few digits.
        { rowNumber: 2, cells: ['_x0041_ xJ', '_x0041_', 'kept', '😀 _X0041_ _x004G_ _x41_'] },
      ],
    });
  });

  it("an inline string's phonetic runs (<rPh>, a Japanese reading) are not its text, as in shared strings", async () => {
    const file = memoryFile(
      await zip({
        'xl/workbook.xml': WORKBOOK,
        'xl/_rels/workbook.xml.rels': RELS,
        'xl/worksheets/sheet1.xml':
          '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>notes</t></is></c></row>' +
          '<row r="2"><c r="A2" t="inlineStr"><is><r><t>東京</t></r><rPh sb="0" eb="2"><t>トウキョウ</t></rPh><r><t>都</t></r><phoneticPr fontId="1"/></is></c></row>' +
          '<row r="3"><c r="A3" t="inlineStr"><is><t>大阪</t><rPh sb="0" eb="2"><t>オオサカ</t></rPh></is></c></row></sheetData></worksheet>',
      }),
    );
    expect(await rowsOf(file)).toEqual({ header: ['notes'], rows: [{ rowNumber: 1, cells: ['東京都'] }, { rowNumber: 2, cells: ['大阪'] }] });
  });

  it('an escape cut between two reads of the part still decodes; the cell limit counts decoded characters', async () => {
    // Stored (not deflated) and read in 4,096-byte pieces: the 4,200 escapes cross piece boundaries.
    const text = '_x0041_'.repeat(4200);
    const file = memoryFile(await zip({ 'xl/workbook.xml': WORKBOOK, 'xl/_rels/workbook.xml.rels': RELS, 'xl/worksheets/sheet1.xml': `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>${text}</t></is></c></row></sheetData></worksheet>` }, false));
    expect(await rowsOf(file, limited({ maxCellChars: 4200 }))).toEqual({ header: ['email'], rows: [{ rowNumber: 1, cells: ['A'.repeat(4200)] }] });
    await expect(rowsOf(file, limited({ maxCellChars: 4199 }))).rejects.toThrow(new FileRejectedError('an XLSX cell is longer than 4199 characters'));
    const sharedFile = memoryFile(await workbook([['s:0']], [text]));
    expect(await rowsOf(sharedFile, limited({ maxCellChars: 4200 }))).toMatchObject({ header: ['A'.repeat(4200)] });
    await expect(rowsOf(sharedFile, limited({ maxCellChars: 4199 }))).rejects.toThrow(new FileRejectedError('an XLSX shared string is longer than 4199 characters'));
  });

  it('chooses a sheet by the name Excel shows, its escapes decoded', async () => {
    const book = `<workbook xmlns:r="r"><sheets><sheet name="a_x005F_x0041_" sheetId="1" r:id="rId1"/></sheets></workbook>`;
    const file = memoryFile(await zip({ 'xl/workbook.xml': book, 'xl/_rels/workbook.xml.rels': RELS, 'xl/worksheets/sheet1.xml': '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row></sheetData></worksheet>' }));
    const reader = await new XlsxFileReader(DEFAULT_IMPORT_LIMITS).open(file, { ...FIRST_SHEET, sheet: 'a_x0041_' }, 0);
    await reader.close();
    expect(reader.header).toEqual(['email']);
  });

  it('a part that inflates to more than its central directory declares is stopped there', async () => {
    const sheet = `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>first_name</t></is></c></row>${'<row/>'.repeat(5000)}</sheetData></worksheet>`;
    const bytes = await zip({ 'xl/workbook.xml': WORKBOOK, 'xl/_rels/workbook.xml.rels': RELS, 'xl/worksheets/sheet1.xml': sheet });
    const declared = 1000;
    underDeclare(bytes, 'xl/worksheets/sheet1.xml', declared);
    const file = memoryFile(bytes);
    await expect(inspectXlsx(file, DEFAULT_IMPORT_LIMITS)).resolves.toBeUndefined();
    await expect(new XlsxFileReader(DEFAULT_IMPORT_LIMITS).scan(file, FIRST_SHEET)).rejects.toThrow(
      new FileRejectedError(`the XLSX part "xl/worksheets/sheet1.xml" inflates to more than the ${declared} bytes its zip directory declares (a malformed or hostile archive)`),
    );
  });
});

/** Rewrites the uncompressed size of `name` in its local header and central directory entry. */
function underDeclare(bytes: Buffer, name: string, size: number): void {
  let patched = 0;
  for (let i = 0; i + 46 < bytes.length; i++) {
    const sig = bytes.readUInt32LE(i);
    if (sig === 0x04034b50 && bytes.toString('utf8', i + 30, i + 30 + bytes.readUInt16LE(i + 26)) === name) {
      bytes.writeUInt32LE(size, i + 22);
      patched++;
    } else if (sig === 0x02014b50 && bytes.toString('utf8', i + 46, i + 46 + bytes.readUInt16LE(i + 28)) === name) {
      bytes.writeUInt32LE(size, i + 24);
      patched++;
    }
  }
  if (patched !== 2) throw new Error(`expected a local header and a central directory entry for ${name}, patched ${patched}`);
}

import { FileRejectedError } from '../../domain/file-rejected.error';
import { ImportLimits } from '../../domain/import-limits';
import { streamXml, Workbook } from './xlsx-workbook';

/** An ISO 8601 date-time at midnight (seconds and a Z optional): its date is $1. */
const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})T00:00(?::00(?:\.0+)?)?Z?$/;

/*
 * What a workbook's XML parts say: which part holds the chosen sheet, the shared strings table,
 * and the sheet's rows as cell text (parts read through streamXml, see xlsx-workbook.ts).
 */

const local = (name: string) => name.slice(name.indexOf(':') + 1);

const XSTRING_ESCAPE = /_x([0-9A-Fa-f]{4})_/g;

/**
 * Cell text as Excel and LibreOffice show it: XLSX text is ECMA-376's ST_Xstring (Part 1,
 * §22.9.2.19), in which `_xHHHH_` (hex digits in either case) stands for the UTF-16 code unit HHHH,
 * read left to right: `_x000D_` is a CR, `_x0001_` a control character XML cannot hold, and
 * `_x005F_x0041_` the text `_x0041_`. Applied to each whole `<t>` or `<v>` text, once the element
 * has ended, so an escape the XML arrived cut through still decodes.
 */
export function decodeXstring(text: string): string {
  return text.indexOf('_x') === -1 ? text : text.replace(XSTRING_ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

async function drain(gen: AsyncGenerator<void>): Promise<void> {
  for await (const _ of gen) void _;
}

export async function chooseSheet(book: Workbook, limits: ImportLimits, sheetName: string | null): Promise<string> {
  // Only the chosen sheet and a few names for the error message are kept: a workbook.xml may list
  // millions of <sheet> elements within the part limits, and holding them all ran the worker (and
  // the API reading the header) out of memory.
  let sheet: { name: string; rid: string; index: number } | null = null;
  let count = 0;
  const names: string[] = [];
  await drain(
    streamXml(book, 'xl/workbook.xml', limits, {
      open: (tag) => {
        if (local(tag.name) !== 'sheet') return;
        count++;
        // A sheet's name is ST_Xstring too: `?sheet=` names it as Excel shows it.
        const name = decodeXstring(String(tag.attributes.name ?? ''));
        if (names.length < SHEET_NAMES_SHOWN) names.push(name);
        if (sheet === null && (sheetName === null || name === sheetName)) {
          const rid = Object.entries(tag.attributes).find(([k]) => local(k) === 'id' && k.includes(':'))?.[1] ?? tag.attributes['r:id'];
          sheet = { name, rid: String(rid ?? ''), index: count };
        }
      },
    }),
  );
  if (!count) throw new FileRejectedError('the XLSX workbook has no sheet');
  const chosen = sheet as { name: string; rid: string; index: number } | null;
  if (!chosen) {
    const more = count > names.length ? `, ... (${count} sheets)` : '';
    throw new FileRejectedError(`the XLSX has no sheet named "${sheetName}" (sheets: ${names.map((n) => `"${n}"`).join(', ')}${more})`);
  }
  let target: string | undefined;
  if (book.entries.has('xl/_rels/workbook.xml.rels')) {
    await drain(
      streamXml(book, 'xl/_rels/workbook.xml.rels', limits, {
        open: (tag) => {
          if (local(tag.name) === 'Relationship' && target === undefined && String(tag.attributes.Id) === chosen.rid) target = String(tag.attributes.Target);
        },
      }),
    );
  }
  if (target) {
    const path = target.startsWith('/') ? target.slice(1) : `xl/${target}`.replace(/\/\.\//g, '/');
    if (book.entries.has(path)) return path;
  }
  if (book.entries.has(`xl/worksheets/sheet${chosen.index}.xml`)) return `xl/worksheets/sheet${chosen.index}.xml`;
  throw new FileRejectedError(`the XLSX sheet "${chosen.name}" has no worksheet part`);
}

/** How many sheet names the "no sheet named" message lists. */
const SHEET_NAMES_SHOWN = 20;

/** The characters of one `_xHHHH_` escape. */
const XSTRING_ESCAPE_CHARS = 7;

/** `text` with its part from `from` on decoded (decodeXstring): the text of one `<t>` or `<v>`. */
function decodedFrom(text: string, from: number): string {
  if (text.indexOf('_x', from) === -1) return text;
  return from === 0 ? decodeXstring(text) : text.slice(0, from) + decodeXstring(text.slice(from));
}

export async function readSharedStrings(book: Workbook, limits: ImportLimits): Promise<string[]> {
  const strings: string[] = [];
  let estimatedBytes = 0;
  let characters = 0;
  if (!book.entries.has('xl/sharedStrings.xml')) return strings;
  let current: string | null = null;
  let inT = false;
  /** Where the current `<t>`'s text starts in `current` (a rich string has one per run). */
  let tStart = 0;
  let skip = 0;
  const tooLong = () => new FileRejectedError(`an XLSX shared string is longer than ${limits.maxCellChars} characters`);
  await drain(
    streamXml(book, 'xl/sharedStrings.xml', limits, {
      open: (tag) => {
        const n = local(tag.name);
        if (n === 'si') current = '';
        else if (n === 'rPh' || n === 'phoneticPr') skip++;
        else if (n === 't' && !skip) {
          inT = true;
          tStart = current?.length ?? 0;
        }
      },
      text: (text) => {
        if (inT && current !== null) {
          current += text;
          // Each escape is 7 characters for 1: text longer than this cannot decode within the limit.
          if (current.length > limits.maxCellChars * XSTRING_ESCAPE_CHARS) throw tooLong();
        }
      },
      close: (tag) => {
        const n = local(tag.name);
        if (n === 't') {
          if (inT && current !== null) {
            current = decodedFrom(current, tStart);
            if (current.length > limits.maxCellChars) throw tooLong();
          }
          inT = false;
        } else if (n === 'rPh' || n === 'phoneticPr') skip--;
        else if (n === 'si') {
          const text = current ?? '';
          current = null;
          characters += text.length;
          estimatedBytes += 32 + 2 * text.length;
          if (estimatedBytes > limits.maxSharedStringBytes) {
            throw new FileRejectedError(
              `the XLSX shared strings need more than ${limits.maxSharedStringBytes} bytes of memory (${strings.length + 1} strings, ${characters} characters; counted as 2 bytes per character + 32 per string)`,
            );
          }
          // A copy, not the parser's text: V8 makes a substring of 13 characters or more a slice
          // that keeps the whole decoded chunk it came from alive, so the table would cost the
          // XML's size rather than its text's (shorter substrings are copies already).
          strings.push(text.length < 13 ? text : Buffer.from(text, 'utf8').toString('utf8'));
          if (strings.length > limits.maxSharedStrings) throw new FileRejectedError(`the XLSX has more than ${limits.maxSharedStrings} shared strings`);
        }
      },
    }),
  );
  return strings;
}

/**
 * "BC12" → 54 (0-based column index); letters in either case. A reference that is not column
 * letters followed by a row number ("$C$3", "12", "A") is refused: read as column -1 it used to
 * drop the cell's value without a word, importing the row without it.
 */
function columnIndex(ref: string): number {
  const letters = /^([A-Za-z]+)[0-9]+$/.exec(ref)?.[1];
  if (!letters) throw new FileRejectedError(`an XLSX cell has the reference "${ref.slice(0, 20)}", which is not a column and a row (such as "B7")`);
  let n = 0;
  for (let i = 0; i < letters.length; i++) n = n * 26 + (letters.toUpperCase().charCodeAt(i) - 64);
  return n - 1;
}

/** One sheet row: its cells' text, and its cells holding Excel error values (which fail it). */
export interface XlsxRow {
  cells: string[];
  errors: Array<{ column: number; value: string }>;
}

/**
 * Rows of one sheet as arrays of cell text: shared and inline strings, cached values of formula
 * cells (formulas are never evaluated), booleans as true/false, numbers as their exact text.
 */
export async function* sheetRows(book: Workbook, sheetPath: string, strings: string[], limits: ImportLimits): AsyncGenerator<XlsxRow> {
  const ready: XlsxRow[] = [];
  let row: string[] | null = null;
  let errors: XlsxRow['errors'] = [];
  let cellType = 'n';
  let cellCol = -1;
  let value: string | null = null;
  let inValue = false;
  /** Where the current `<t>`'s or `<v>`'s text starts in `value` (an inline rich string has one `<t>` per run). */
  let valueStart = 0;
  let inInline = false;
  /** Inside an inline string's phonetic run (`<rPh>`, a Japanese reading): its `<t>` is not the cell's text. */
  let inPhonetic = 0;
  let cells = 0;
  const tooLong = () => new FileRejectedError(`an XLSX cell is longer than ${limits.maxCellChars} characters`);
  const gen = streamXml(book, sheetPath, limits, {
    open: (tag) => {
      const n = local(tag.name);
      if (n === 'row') {
        row = [];
        errors = [];
      }
      else if (n === 'c' && row) {
        cellType = String(tag.attributes.t ?? 'n');
        const ref = tag.attributes.r;
        cellCol = ref ? columnIndex(String(ref)) : row.length;
        value = null;
        if (++cells > limits.maxCells) throw new FileRejectedError(`the XLSX sheet has more than ${limits.maxCells} cells`);
        if (cellCol >= limits.maxColumns) throw new FileRejectedError(`an XLSX row has a cell beyond column ${limits.maxColumns} (the column limit)`);
      } else if (n === 'v') {
        inValue = true;
        value = '';
        valueStart = 0;
      } else if (n === 'is') inInline = true;
      else if (n === 'rPh' && inInline) inPhonetic++;
      else if (n === 't' && inInline && !inPhonetic) {
        inValue = true;
        value ??= '';
        valueStart = value.length;
      }
    },
    text: (text) => {
      if (inValue) {
        value += text;
        // Each escape is 7 characters for 1: text longer than this cannot decode within the limit.
        if (value!.length > limits.maxCellChars * XSTRING_ESCAPE_CHARS) throw tooLong();
      }
    },
    close: (tag) => {
      const n = local(tag.name);
      if (n === 'v' || n === 't') {
        // Text (inline strings, and a formula's text result, t="str") is ST_Xstring; a number, a
        // shared string's index, an error value or a date is not, and none holds `_x` anyway.
        if (inValue && value !== null && (n === 't' || cellType === 'str')) value = decodedFrom(value, valueStart);
        if (inValue && value !== null && value.length > limits.maxCellChars) throw tooLong();
        inValue = false;
      } else if (n === 'is') {
        inInline = false;
        inPhonetic = 0;
      } else if (n === 'rPh' && inInline) inPhonetic--;
      else if (n === 'c' && row) {
        let text = '';
        if (value !== null) {
          if (cellType === 's') {
            // An index is digits: Number() would read "" or " " as 0 (the first shared string) and "1e0" as 1.
            const s = /^\s*\d+\s*$/.test(value) ? strings[Number(value)] : undefined;
            if (s === undefined) throw new FileRejectedError(`an XLSX cell refers to shared string "${value.slice(0, 20)}", which does not exist`);
            text = s;
          } else if (cellType === 'b') text = value === '1' ? 'true' : value === '0' ? 'false' : value;
          // A date cell of the strict format (t="d") holds ISO 8601 text; at midnight it is a date
          // ("2020-01-01T00:00:00" reads "2020-01-01"). A time of day is kept, so a date column
          // refuses it rather than dropping the time.
          else if (cellType === 'd') text = value.trim().replace(MIDNIGHT, '$1');
          else text = value;
          // An error value (#DIV/0!, #N/A, #REF!...) is what a formula failed to compute, not data.
          if (cellType === 'e') errors.push({ column: cellCol, value: text.slice(0, 20) });
        }
        while (row.length < cellCol) row.push('');
        row[cellCol] = text;
      } else if (n === 'row' && row) {
        ready.push({ cells: row, errors });
        row = null;
      }
    },
  });
  for await (const _ of gen) {
    while (ready.length) yield ready.shift()!;
  }
  while (ready.length) yield ready.shift()!;
}

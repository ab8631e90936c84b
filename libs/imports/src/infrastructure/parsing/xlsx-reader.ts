import { PassThrough, Readable } from 'stream';
import { StringDecoder } from 'string_decoder';
import { SaxesParser, SaxesTagPlain } from 'saxes';
import * as yauzl from 'yauzl';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { unneutraliseFormula } from '../../domain/formula';
import { ImportLimits } from '../../domain/import-limits';
import { RowReader, SourceFile, SourceRow } from './source-file';

/**
 * The tail of a zip holds its central directory; yauzl reads it with one small ranged read per
 * entry. The last TAIL_BYTES of the file are fetched once and those reads are served from memory
 * (a workbook's whole central directory, usually), so opening a workbook costs one ranged read of
 * storage, not two per entry (which on S3 are two requests per entry).
 */
const TAIL_BYTES = 256 * 1024;

/** yauzl reads the central directory and entries by range: storage ranges serve it. */
class StorageRandomAccessReader extends yauzl.RandomAccessReader {
  private tail: Promise<{ start: number; bytes: Buffer }> | null = null;

  constructor(private readonly file: SourceFile) {
    super();
  }

  private readTail(): Promise<{ start: number; bytes: Buffer }> {
    this.tail ??= (async () => {
      const start = Math.max(0, this.file.sizeBytes - TAIL_BYTES);
      if (this.file.sizeBytes === 0) return { start, bytes: Buffer.alloc(0) };
      const chunks: Buffer[] = [];
      for await (const chunk of await this.file.open({ start, end: this.file.sizeBytes - 1 })) chunks.push(chunk as Buffer);
      return { start, bytes: Buffer.concat(chunks) };
    })();
    return this.tail;
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    if (end <= start) {
      out.end();
      return out;
    }
    const cached = start >= Math.max(0, this.file.sizeBytes - TAIL_BYTES);
    (cached
      ? this.readTail().then((tail) => Readable.from([tail.bytes.subarray(start - tail.start, end - tail.start)]))
      : this.file.open({ start, end: end - 1 })
    )
      .then((stream) => {
        stream.on('error', (error) => out.destroy(error));
        stream.pipe(out);
      })
      .catch((error: Error) => out.destroy(error));
    return out;
  }
}

interface Workbook {
  zip: yauzl.ZipFile;
  entries: Map<string, yauzl.Entry>;
}

/**
 * A readable zip archive that is not a spreadsheet (a Word document, a Java archive, a plain
 * zip...): the upload answers 415, like any other format Porter does not read.
 */
export class NotAnXlsxWorkbookError extends FileRejectedError {
  constructor(names: Iterable<string>) {
    super(`the file is a zip archive but not an XLSX workbook (it has no xl/workbook.xml)${packageHint(names)}`);
    this.name = 'NotAnXlsxWorkbookError';
  }
}

function packageHint(names: Iterable<string>): string {
  const all = new Set(names);
  if (all.has('word/document.xml')) return '; it looks like a Word document (.docx)';
  if (all.has('ppt/presentation.xml')) return '; it looks like a PowerPoint presentation (.pptx)';
  if (all.has('META-INF/MANIFEST.MF')) return '; it looks like a Java archive (.jar)';
  if (all.has('mimetype') && all.has('content.xml')) return '; it looks like an OpenDocument file (.ods, .odt); save it as .xlsx';
  return '';
}

/**
 * Opens the zip and checks its central directory: entry count, each part's declared size and
 * compression ratio, the declared total, encryption, and that it is a workbook at all. Nothing is
 * inflated here. (The bytes actually inflated are checked while parts are read: see streamXml.)
 */
async function openWorkbook(file: SourceFile, limits: ImportLimits): Promise<Workbook> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromRandomAccessReaderPromise(new StorageRandomAccessReader(file), file.sizeBytes, {
      lazyEntries: true,
      autoClose: false,
      validateEntrySizes: true,
      strictFileNames: false,
    });
  } catch (error) {
    throw new FileRejectedError(`the file starts like a zip archive (XLSX) but cannot be opened: ${(error as Error).message}`);
  }
  if (zip.entryCount > limits.maxZipEntries) {
    zip.close();
    throw new FileRejectedError(`the XLSX has ${zip.entryCount} zip entries, more than the limit of ${limits.maxZipEntries}`);
  }
  const entries = new Map<string, yauzl.Entry>();
  let total = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      total += entry.uncompressedSize;
      if (entry.uncompressedSize > limits.maxPartBytes) {
        throw new FileRejectedError(`the XLSX part "${entry.fileName}" decompresses to ${entry.uncompressedSize} bytes, more than the limit of ${limits.maxPartBytes} (zip bomb?)`);
      }
      if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize > Math.max(entry.compressedSize, 1) * limits.maxCompressionRatio) {
        throw new FileRejectedError(
          `the XLSX part "${entry.fileName}" has a compression ratio of ${Math.round(entry.uncompressedSize / Math.max(entry.compressedSize, 1))}:1, more than the limit of ${limits.maxCompressionRatio}:1 (zip bomb?)`,
        );
      }
      if (total > limits.maxUncompressedBytes) {
        throw new FileRejectedError(`the XLSX decompresses to more than ${limits.maxUncompressedBytes} bytes in total (zip bomb?)`);
      }
      if (entry.isEncrypted()) throw new FileRejectedError('the XLSX is encrypted (password-protected); save it without a password');
      entries.set(entry.fileName.replace(/^\/+/, ''), entry);
    }
  } catch (error) {
    zip.close();
    if (error instanceof FileRejectedError) throw error;
    throw new FileRejectedError(`the XLSX zip structure is invalid: ${(error as Error).message}`);
  }
  if (!entries.has('xl/workbook.xml')) {
    zip.close();
    throw new NotAnXlsxWorkbookError(entries.keys());
  }
  return { zip, entries };
}

/**
 * The upload's check of a file that starts like a zip: its central directory, read from the
 * stored file's tail (see openWorkbook), must be a workbook's within the limits. A .docx, a .jar
 * or a plain zip is refused before a batch exists; the sheet itself is read by the worker.
 */
export async function inspectXlsx(file: SourceFile, limits: ImportLimits): Promise<void> {
  const book = await openWorkbook(file, limits);
  book.zip.close();
}

/**
 * Streams one XML part through saxes, calling `onTag`/`onText`/`onClose` as it goes and
 * yielding control after each chunk (so a consumer can apply backpressure). DOCTYPEs are
 * refused (no entity of any kind is ever expanded). The bytes actually inflated are counted
 * against the part limit, and yauzl stops a part that inflates past the size its central
 * directory entry declares; so the declared sizes checked in openWorkbook (per part and in total)
 * bound what is inflated, whatever the local headers claim.
 */
async function* streamXml(
  book: Workbook,
  name: string,
  limits: ImportLimits,
  handlers: { open?: (tag: SaxesTagPlain) => void; text?: (text: string) => void; close?: (tag: SaxesTagPlain) => void },
): AsyncGenerator<void> {
  const entry = book.entries.get(name);
  if (!entry) throw new FileRejectedError(`the XLSX has no part "${name}"`);
  let stream: Readable;
  try {
    stream = await book.zip.openReadStreamPromise(entry);
  } catch (error) {
    throw new FileRejectedError(`the XLSX part "${name}" cannot be read: ${(error as Error).message}`);
  }
  const parser = new SaxesParser({ xmlns: false });
  let failure: Error | null = null;
  parser.on('doctype', () => {
    failure ??= new FileRejectedError(`the XLSX part "${name}" declares a DOCTYPE; DTDs and external entities are not allowed`);
  });
  parser.on('error', (error) => {
    failure ??= new FileRejectedError(`the XLSX part "${name}" is not well-formed XML: ${error.message}`);
  });
  if (handlers.open) parser.on('opentag', handlers.open as (tag: unknown) => void);
  if (handlers.text) parser.on('text', handlers.text);
  if (handlers.close) parser.on('closetag', handlers.close as (tag: unknown) => void);
  const decoder = new StringDecoder('utf8');
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      if (bytes > limits.maxPartBytes) throw new FileRejectedError(`the XLSX part "${name}" decompresses past the limit of ${limits.maxPartBytes} bytes (zip bomb?)`);
      parser.write(decoder.write(chunk as Buffer));
      if (failure) throw failure;
      yield;
    }
    parser.write(decoder.end());
    parser.close();
    if (failure) throw failure;
    yield;
  } catch (error) {
    if (error instanceof FileRejectedError) throw error;
    const message = (error as Error).message;
    // yauzl counts the bytes it inflates against the size the central directory declares (which
    // the limits above were checked on) and stops the part as soon as it inflates past it.
    const declared = /^too many bytes in the stream\. expected (\d+)/.exec(message);
    if (declared) {
      throw new FileRejectedError(`the XLSX part "${name}" inflates to more than the ${declared[1]} bytes its zip directory declares (a malformed or hostile archive)`);
    }
    throw new FileRejectedError(`the XLSX part "${name}" cannot be read: ${message}`);
  } finally {
    stream.destroy();
  }
}

const local = (name: string) => name.slice(name.indexOf(':') + 1);

async function drain(gen: AsyncGenerator<void>): Promise<void> {
  for await (const _ of gen) void _;
}

async function chooseSheet(book: Workbook, limits: ImportLimits, sheetName: string | null): Promise<string> {
  const sheets: Array<{ name: string; rid: string }> = [];
  await drain(
    streamXml(book, 'xl/workbook.xml', limits, {
      open: (tag) => {
        if (local(tag.name) === 'sheet') {
          const rid = Object.entries(tag.attributes).find(([k]) => local(k) === 'id' && k.includes(':'))?.[1] ?? tag.attributes['r:id'];
          sheets.push({ name: String(tag.attributes.name ?? ''), rid: String(rid ?? '') });
        }
      },
    }),
  );
  if (!sheets.length) throw new FileRejectedError('the XLSX workbook has no sheet');
  const sheet = sheetName === null ? sheets[0] : sheets.find((s) => s.name === sheetName);
  if (!sheet) throw new FileRejectedError(`the XLSX has no sheet named "${sheetName}" (sheets: ${sheets.map((s) => `"${s.name}"`).join(', ')})`);
  const targets = new Map<string, string>();
  if (book.entries.has('xl/_rels/workbook.xml.rels')) {
    await drain(
      streamXml(book, 'xl/_rels/workbook.xml.rels', limits, {
        open: (tag) => {
          if (local(tag.name) === 'Relationship') targets.set(String(tag.attributes.Id), String(tag.attributes.Target));
        },
      }),
    );
  }
  const target = targets.get(sheet.rid);
  if (target) {
    const path = target.startsWith('/') ? target.slice(1) : `xl/${target}`.replace(/\/\.\//g, '/');
    if (book.entries.has(path)) return path;
  }
  const index = sheets.indexOf(sheet) + 1;
  if (book.entries.has(`xl/worksheets/sheet${index}.xml`)) return `xl/worksheets/sheet${index}.xml`;
  throw new FileRejectedError(`the XLSX sheet "${sheet.name}" has no worksheet part`);
}

async function readSharedStrings(book: Workbook, limits: ImportLimits): Promise<string[]> {
  const strings: string[] = [];
  let estimatedBytes = 0;
  let characters = 0;
  if (!book.entries.has('xl/sharedStrings.xml')) return strings;
  let current: string | null = null;
  let inT = false;
  let skip = 0;
  await drain(
    streamXml(book, 'xl/sharedStrings.xml', limits, {
      open: (tag) => {
        const n = local(tag.name);
        if (n === 'si') current = '';
        else if (n === 'rPh' || n === 'phoneticPr') skip++;
        else if (n === 't' && !skip) inT = true;
      },
      text: (text) => {
        if (inT && current !== null) {
          current += text;
          if (current.length > limits.maxCellChars) throw new FileRejectedError(`an XLSX shared string is longer than ${limits.maxCellChars} characters`);
        }
      },
      close: (tag) => {
        const n = local(tag.name);
        if (n === 't') inT = false;
        else if (n === 'rPh' || n === 'phoneticPr') skip--;
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

/** "BC12" → 54 (0-based column index). */
function columnIndex(ref: string): number {
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c < 65 || c > 90) break;
    n = n * 26 + (c - 64);
  }
  return n - 1;
}

/**
 * Rows of one sheet as arrays of cell text: shared and inline strings, cached values of formula
 * cells (formulas are never evaluated), booleans as true/false, numbers as their exact text.
 */
async function* sheetRows(book: Workbook, sheetPath: string, strings: string[], limits: ImportLimits): AsyncGenerator<string[]> {
  const ready: string[][] = [];
  let row: string[] | null = null;
  let cellType = 'n';
  let cellCol = -1;
  let value: string | null = null;
  let inValue = false;
  let inInline = false;
  let cells = 0;
  const gen = streamXml(book, sheetPath, limits, {
    open: (tag) => {
      const n = local(tag.name);
      if (n === 'row') row = [];
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
      } else if (n === 'is') inInline = true;
      else if (n === 't' && inInline) {
        inValue = true;
        value ??= '';
      }
    },
    text: (text) => {
      if (inValue) {
        value += text;
        if (value!.length > limits.maxCellChars) throw new FileRejectedError(`an XLSX cell is longer than ${limits.maxCellChars} characters`);
      }
    },
    close: (tag) => {
      const n = local(tag.name);
      if (n === 'v' || n === 't') inValue = false;
      else if (n === 'is') inInline = false;
      else if (n === 'c' && row) {
        let text = '';
        if (value !== null) {
          if (cellType === 's') {
            const s = strings[Number(value)];
            if (s === undefined) throw new FileRejectedError(`an XLSX cell refers to shared string ${value}, which does not exist`);
            text = s;
          } else if (cellType === 'b') text = value === '1' ? 'true' : value === '0' ? 'false' : value;
          else text = value;
        }
        while (row.length < cellCol) row.push('');
        row[cellCol] = text;
      } else if (n === 'row' && row) {
        ready.push(row);
        row = null;
      }
    },
  });
  for await (const _ of gen) {
    while (ready.length) yield ready.shift()!;
  }
  while (ready.length) yield ready.shift()!;
}

const isBlank = (row: string[]) => row.every((c) => c === '');

/** Opens the chosen (or first) sheet; the first non-blank row is the header. */
export async function openXlsx(file: SourceFile, limits: ImportLimits, sheetName: string | null, skipRows = 0): Promise<RowReader> {
  const book = await openWorkbook(file, limits);
  try {
    const sheetPath = await chooseSheet(book, limits, sheetName);
    const strings = await readSharedStrings(book, limits);
    const iterator = sheetRows(book, sheetPath, strings, limits)[Symbol.asyncIterator]();
    let header: string[] | null = null;
    while (!header) {
      const next = await iterator.next();
      if (next.done) throw new FileRejectedError('the XLSX sheet is empty (no header row)');
      if (!isBlank(next.value)) header = next.value;
    }
    while (header.length && header[header.length - 1] === '') header.pop();
    const width = header.length;

    async function* rows(): AsyncGenerator<SourceRow> {
      let rowNumber = 0;
      while (true) {
        const next = await iterator.next();
        if (next.done) return;
        const cells = next.value;
        if (isBlank(cells)) continue;
        rowNumber++;
        if (rowNumber <= skipRows) continue;
        // Excel omits empty trailing cells: pad; content beyond the header is a ragged row.
        while (cells.length > width && cells[cells.length - 1] === '') cells.pop();
        while (cells.length < width) cells.push('');
        for (let i = 0; i < cells.length; i++) {
          const c = cells[i];
          if (c.length > 1 && c.charCodeAt(0) === 0x27) cells[i] = unneutraliseFormula(c);
        }
        yield { rowNumber, cells };
      }
    }
    return {
      header,
      rows: rows(),
      close: async () => {
        await iterator.return?.(undefined);
        book.zip.close();
      },
    };
  } catch (error) {
    book.zip.close();
    throw error;
  }
}

/** The structural pass for XLSX: the whole sheet is read once (limits, XML, row count). */
export async function scanXlsx(file: SourceFile, limits: ImportLimits, sheetName: string | null): Promise<{ dataRows: number }> {
  const reader = await openXlsx(file, limits, sheetName);
  let count = 0;
  try {
    for await (const _ of reader.rows) count++;
  } finally {
    await reader.close();
  }
  return { dataRows: count };
}

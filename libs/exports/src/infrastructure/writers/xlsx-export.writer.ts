import { Readable, Writable } from 'stream';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { excelSerial, FIRST_EXCEL_DAY, rowValues } from './cell-values';
import { CellFormat, compileFormatters, ValueFormatter } from './column-formatters';
import type { ExportFileWriter, ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import { CHUNK_CHARS, onOutputFailure, writeWithBackpressure } from './stream-write';
import { XlsxCopyTextTranscoder } from './xlsx-copy-text-transcoder';
import { XML_FORBIDDEN_CHARS, xmlText } from './xlsx-text';
import { ZipStream } from './zip-stream';

/** Excel's hard limit of rows per sheet (the header row included). */
export const XLSX_MAX_ROWS = 1_048_576;

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
/** Deflate level of the workbook's small parts. */
const PART_LEVEL = 6;
// Sheet XML is large and repetitive: deflate level 1 is ~3x faster than 6 for a few % more bytes.
const SHEET_LEVEL = 1;

/** Sheet XML handed to the zip at a time (see XlsxExportWriter.write). */
const SHEET_BUFFER_BYTES = 1 << 18;

/** Style indexes in styles.xml below. */
const STYLE_HEADER = 1;
const STYLE_DATE = 2;
const STYLE_DATETIME = 3;

const EDGE_SPACE = /^\s|\s$/;


const TEXT_OPEN = '" t="inlineStr"><is><t>';
const TEXT_CLOSE = '</t></is></c>';
const NUMBER_OPEN = '"><v>';
const DATE_OPEN = `" s="${STYLE_DATE}"><v>`;
const VALUE_CLOSE = '</v></c>';
const booleanCell = (v: boolean) => `" t="b"><v>${v ? 1 : 0}</v></c>`;

/** Cell XML without its reference: `<c r="B7"` + fragment. Strings are inline (no shared-strings table). */
const XLSX_CELLS: CellFormat = {
  empty: '',
  text: (v) => (EDGE_SPACE.test(v) ? `" t="inlineStr"><is><t xml:space="preserve">${xmlText(v)}${TEXT_CLOSE}` : `${TEXT_OPEN}${xmlText(v)}${TEXT_CLOSE}`),
  number: (v) => `${NUMBER_OPEN}${v}${VALUE_CLOSE}`,
  date: (v) => (v < FIRST_EXCEL_DAY ? `${TEXT_OPEN}${xmlText(v)}${TEXT_CLOSE}` : `${DATE_OPEN}${excelSerial(v)}${VALUE_CLOSE}`),
  datetime: (v) => (v < FIRST_EXCEL_DAY ? `${TEXT_OPEN}${xmlText(v)}${TEXT_CLOSE}` : `" s="${STYLE_DATETIME}"><v>${excelSerial(v)}${VALUE_CLOSE}`),
  boolean: booleanCell,
};

function xmlAttr(value: string): string {
  return xmlText(value).replace(/"/g, '&quot;');
}

export function columnLetters(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

function sheetTitle(base: string, index: number): string {
  // Characters XML forbids are still left out of a sheet's name (cells keep them, escaped): Excel's
  // rules for sheet names do not say whether it takes them, and a name it refused would lose the file.
  const clean = base.replace(XML_FORBIDDEN_CHARS, '').replace(/[\\/?*[\]:]/g, '_').slice(0, 25) || 'Export';
  return index === 1 ? clean : `${clean} (${index})`;
}

/**
 * A streaming XLSX (SpreadsheetML) writer: each sheet's XML is written into the zip (ZipStream) as
 * a stream deflated in parallel pieces while rows arrive, strings are inline (no shared-strings table to keep in
 * memory), so memory stays flat whatever the row count. Typed cells: numbers, dates and datetimes
 * (serials with a date format), booleans; a bold, frozen header row on every sheet; a new sheet
 * past Excel's 1,048,576-row limit. The workbook parts are added after the sheets, once their
 * number is known (zip readers locate parts through the central directory, not by order).
 */
export class XlsxExportWriter implements ExportFileWriter {
  private readonly zip = new ZipStream();
  private readonly zipOutput: Readable = this.zip.outputStream;
  private readonly zipDone: Promise<void>;
  private readonly maxRowsPerSheet: number;
  private readonly letters: string[];
  private readonly headerXml: string;
  private readonly formatters: ValueFormatter[];
  private sheet: Writable | null = null;
  private buffer = Buffer.allocUnsafe(SHEET_BUFFER_BYTES);
  private pos = 0;
  private sheetCount = 0;
  private rowsInSheet = 0;
  private aborted = false;
  /** What failed the output (the store unreachable, a disk error), once it has. */
  private failure: Error | null = null;
  private readonly detachOutput: () => void;
  private transcoder: XlsxCopyTextTranscoder | null = null;

  constructor(
    private readonly output: Writable,
    private readonly columns: readonly ExportColumn[],
    private readonly options: ExportFileWriterOptions,
  ) {
    this.maxRowsPerSheet = Math.min(options.maxRowsPerSheet ?? XLSX_MAX_ROWS - 1, XLSX_MAX_ROWS - 1);
    this.letters = columns.map((_, i) => `<c r="${columnLetters(i)}`);
    this.formatters = compileFormatters(columns, options.neutralizeFormulas, XLSX_CELLS);
    this.headerXml = columns
      .map((c, i) => `${this.letters[i]}1" t="inlineStr" s="${STYLE_HEADER}"><is><t xml:space="preserve">${xmlText(c.header)}</t></is></c>`)
      .join('');
    // The zip stream feeds the storage writer; `end: false` leaves ending it to the storage commit.
    this.zipOutput.pipe(output, { end: false });
    this.zipDone = new Promise<void>((resolve, reject) => {
      this.zipOutput.once('end', resolve);
      this.zipOutput.once('error', reject);
      this.zipOutput.once('close', () => reject(this.failure ?? new Error('the zip stream closed before it ended')));
    });
    this.zipDone.catch(() => undefined);
    // A failing output only unpipes the zip, which would leave the sheet's writes waiting for a
    // 'drain' for good: fail the sheet and the zip with the output's error instead (ADR 091).
    this.zipOutput.on('error', () => undefined);
    this.detachOutput = onOutputFailure(output, (error) => this.outputFailed(error));
  }

  async writeHeader(): Promise<void> {
    await this.startSheet();
  }

  private async startSheet(): Promise<void> {
    if (this.sheet) await this.endSheet();
    this.sheetCount++;
    this.rowsInSheet = 0;
    if (this.failure) throw this.failure;
    const sheet = this.zip.addStream(`xl/worksheets/sheet${this.sheetCount}.xml`, SHEET_LEVEL);
    // Its failure is the output's, seen by the write waiting on it (writeWithBackpressure).
    sheet.on('error', () => undefined);
    this.sheet = sheet;
    const cols = this.columns.map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${Math.min(60, Math.max(12, c.header.length + 2))}" customWidth="1"/>`).join('');
    await this.write(
      `${XML_DECL}<worksheet xmlns="${NS}" xmlns:r="${REL_NS}"><sheetViews><sheetView workbookViewId="0">` +
        `<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/>` +
        `</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>${cols}</cols><sheetData>` +
        `<row r="1">${this.headerXml}</row>`,
    );
  }

  private async endSheet(): Promise<void> {
    const sheet = this.sheet;
    if (!sheet) return;
    // Rows the byte path still holds belong to this sheet.
    if (this.transcoder) for (const bytes of this.transcoder.drain()) await this.writeBytes(bytes);
    await this.write('</sheetData></worksheet>');
    await this.flush();
    sheet.end();
    this.sheet = null;
  }

  async writeRows(rows: readonly ExportRow[]): Promise<void> {
    const columns = this.columns;
    const letters = this.letters;
    const formatters = this.formatters;
    const n = formatters.length;
    let chunk = '';
    for (const row of rows) {
      if (this.rowsInSheet >= this.maxRowsPerSheet) {
        if (chunk) await this.write(chunk);
        chunk = '';
        await this.startSheet();
      }
      const r = ++this.rowsInSheet + 1;
      const values = rowValues(row, columns);
      let xml = `<row r="${r}">`;
      for (let i = 0; i < n; i++) {
        const cell = formatters[i](values[i]);
        // An empty cell is simply absent.
        if (cell) xml += letters[i] + r + cell;
      }
      chunk += xml + '</row>';
      if (chunk.length >= CHUNK_CHARS) {
        await this.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await this.write(chunk);
  }

  /**
   * The byte path from COPY text (see XlsxCopyTextTranscoder): the same sheet XML as `writeRows`,
   * written from the chunk's bytes; a full sheet is ended and the next one started between rows.
   */
  async writeCopyText(chunk: Buffer): Promise<number> {
    this.transcoder ??= new XlsxCopyTextTranscoder(this.formatters, this.columns, this.options.neutralizeFormulas, {
      cellStarts: this.letters,
      textOpen: TEXT_OPEN,
      textClose: TEXT_CLOSE,
      numberOpen: NUMBER_OPEN,
      dateOpen: DATE_OPEN,
      valueClose: VALUE_CLOSE,
      yes: booleanCell(true),
      no: booleanCell(false),
    });
    let rows = 0;
    for (let input: Buffer | null = chunk; input; ) {
      if (this.rowsInSheet >= this.maxRowsPerSheet) await this.startSheet();
      const written = this.transcoder.pushRows(input, this.rowsInSheet, this.maxRowsPerSheet);
      this.rowsInSheet += written.rows;
      rows += written.rows;
      for (const bytes of written.output) await this.writeBytes(bytes);
      input = written.rest;
    }
    return rows;
  }

  async finish(): Promise<void> {
    if (this.transcoder) for (const bytes of this.transcoder.end()) await this.writeBytes(bytes);
    if (!this.sheet && this.sheetCount === 0) await this.startSheet();
    await this.endSheet();
    const base = this.options.sheetName ?? 'Export';
    const sheets = Array.from({ length: this.sheetCount }, (_, i) => i + 1);
    const add = (name: string, xml: string) => this.zip.addBuffer(name, Buffer.from(xml, 'utf8'), PART_LEVEL);
    add(
      'xl/workbook.xml',
      `${XML_DECL}<workbook xmlns="${NS}" xmlns:r="${REL_NS}"><bookViews><workbookView/></bookViews><sheets>` +
        sheets.map((n) => `<sheet name="${xmlAttr(sheetTitle(base, n))}" sheetId="${n}" r:id="rId${n}"/>`).join('') +
        `</sheets></workbook>`,
    );
    add(
      'xl/_rels/workbook.xml.rels',
      `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        sheets.map((n) => `<Relationship Id="rId${n}" Type="${REL_NS}/worksheet" Target="worksheets/sheet${n}.xml"/>`).join('') +
        `<Relationship Id="rId${this.sheetCount + 1}" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`,
    );
    add('xl/styles.xml', STYLES_XML);
    add(
      '_rels/.rels',
      `${XML_DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
        `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
    );
    add(
      '[Content_Types].xml',
      `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
        `<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
        `<Default Extension="xml" ContentType="application/xml"/>` +
        `<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
        sheets
          .map((n) => `<Override PartName="/xl/worksheets/sheet${n}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`)
          .join('') +
        `<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`,
    );
    this.zip.end();
    await this.zipDone;
    this.detachOutput();
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.detachOutput();
    this.zipOutput.unpipe(this.output);
    this.sheet?.destroy();
    this.zipOutput.destroy();
  }

  private outputFailed(error: Error): void {
    if (this.failure || this.aborted) return;
    this.failure = error;
    this.detachOutput();
    this.zipOutput.unpipe(this.output);
    this.sheet?.destroy(error);
    this.zipOutput.destroy(error);
  }

  /**
   * Sheet XML is gathered as UTF-8 into buffers of SHEET_BUFFER_BYTES before it goes to the zip:
   * with the 16K-character text chunks of the row path, a zlib stream made ~35,000 round trips to
   * libuv's thread pool per million rows, during which the worker mostly waited (40 % idle). Now
   * the zip deflates pieces of this size side by side (ParallelDeflateRaw, ADR 097).
   */
  private async write(chunk: string): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.aborted || !this.sheet) throw new Error('the export writer was aborted');
    if (this.pos + chunk.length * 3 > this.buffer.length) await this.flush();
    if (chunk.length * 3 > this.buffer.length) return writeWithBackpressure(this.sheet, chunk);
    this.pos += this.buffer.write(chunk, this.pos);
  }

  /** Sheet XML that is already bytes: after what `write` gathered, straight to the zip. */
  private async writeBytes(bytes: Buffer): Promise<void> {
    await this.flush();
    if (this.failure) throw this.failure;
    if (this.aborted || !this.sheet) throw new Error('the export writer was aborted');
    await writeWithBackpressure(this.sheet, bytes);
  }

  private flush(): Promise<void> {
    if (!this.pos) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    if (this.aborted || !this.sheet) return Promise.reject(new Error('the export writer was aborted'));
    const bytes = this.buffer.subarray(0, this.pos);
    this.buffer = Buffer.allocUnsafe(SHEET_BUFFER_BYTES);
    this.pos = 0;
    return writeWithBackpressure(this.sheet, bytes);
  }
}

const STYLES_XML =
  `${XML_DECL}<styleSheet xmlns="${NS}">` +
  `<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>` +
  `<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>` +
  `<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>` +
  `<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>` +
  `<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>` +
  `<cellXfs count="4">` +
  `<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>` +
  `<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>` +
  `<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
  `<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>` +
  `</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>`;

import type { Writable } from 'stream';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { rowValues } from './cell-values';
import { CellFormat, compileFormatters, ValueFormatter } from './column-formatters';
import type { ExportFileWriter, ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import { writeWithBackpressure } from './stream-write';

const NEEDS_QUOTES = /[",\r\n]/;

const CSV_CELLS: CellFormat = {
  empty: '',
  // An empty string is "" (a null is nothing), so readers that care can tell them apart.
  text: (v) => (v === '' ? '""' : csvField(v)),
  number: (v) => v,
  date: (v) => v,
  datetime: (v) => v,
  boolean: (v) => (v ? 'true' : 'false'),
};

/** RFC 4180 field: quoted when it holds a quote, comma, CR or LF; quotes doubled. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * RFC 4180 CSV in UTF-8: CRLF line ends, a header row of the column headers, an optional BOM.
 * A null is an empty field and an empty string is `""`, so readers that care can tell them apart.
 */
export class CsvExportWriter implements ExportFileWriter {
  private aborted = false;
  private readonly formatters: ValueFormatter[];

  constructor(
    private readonly output: Writable,
    private readonly columns: readonly ExportColumn[],
    private readonly options: ExportFileWriterOptions,
  ) {
    this.formatters = compileFormatters(columns, options.neutralizeFormulas, CSV_CELLS);
  }

  async writeHeader(): Promise<void> {
    const header = this.columns.map((c) => csvField(c.header)).join(',') + '\r\n';
    await this.write((this.options.csvBom ? '\uFEFF' : '') + header);
  }

  async writeRows(rows: readonly ExportRow[]): Promise<void> {
    const columns = this.columns;
    const formatters = this.formatters;
    const n = formatters.length;
    let chunk = '';
    for (const row of rows) {
      const values = rowValues(row, columns);
      let line = formatters[0](values[0]);
      for (let i = 1; i < n; i++) line += ',' + formatters[i](values[i]);
      chunk += line + '\r\n';
      if (chunk.length >= 1 << 16) {
        await this.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await this.write(chunk);
  }

  async finish(): Promise<void> {
    // Nothing trails a CSV file; the storage writer's commit ends the stream.
  }

  abort(): void {
    this.aborted = true;
  }

  private write(chunk: string): Promise<void> {
    if (this.aborted) return Promise.reject(new Error('the export writer was aborted'));
    return writeWithBackpressure(this.output, chunk);
  }
}

import type { Writable } from 'stream';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { rowValues } from './cell-values';
import type { CellFormat } from './column-formatters';
import type { ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import { LineExportWriter } from './line-export.writer';
import { CHUNK_CHARS } from './stream-write';
import { CopyTextTranscoder, CsvCopyTextTranscoder } from './copy-text-transcoder';

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
export class CsvExportWriter extends LineExportWriter {
  constructor(
    output: Writable,
    columns: readonly ExportColumn[],
    private readonly options: ExportFileWriterOptions,
  ) {
    super(output, columns, CSV_CELLS, options.neutralizeFormulas);
  }

  async writeHeader(): Promise<void> {
    const header = this.columns.map((c) => csvField(c.header)).join(',') + '\r\n';
    await this.write((this.options.csvBom ? '\uFEFF' : '') + header);
  }

  protected copyTextTranscoder(): CopyTextTranscoder {
    return new CsvCopyTextTranscoder(this.formatters, this.columns, this.neutralizeFormulas);
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
      if (chunk.length >= CHUNK_CHARS) {
        await this.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await this.write(chunk);
  }
}

import type { Writable } from 'stream';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { rowValues } from './cell-values';
import { CellFormat, compileFormatters, ValueFormatter } from './column-formatters';
import type { ExportFileWriter, ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import { writeWithBackpressure } from './stream-write';

// Characters JSON.stringify would escape (and lone surrogates); most values have none.
const JSON_ESCAPE = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/;

const jsonString = (v: string) => (JSON_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`);

const JSON_CELLS: CellFormat = {
  empty: 'null',
  text: jsonString,
  number: (v) => v,
  date: (v) => `"${v}"`,
  datetime: (v) => `"${v}"`,
  boolean: (v) => (v ? 'true' : 'false'),
};

/**
 * JSON Lines: one object per row keyed by column key, LF-terminated, no header line. Numbers are
 * written as exact JSON numbers (a `numeric` "1234.50" stays 1234.50 in the text), dates as
 * "YYYY-MM-DD" strings, nulls as null.
 */
export class JsonlExportWriter implements ExportFileWriter {
  private aborted = false;
  private readonly keys: string[];
  private readonly formatters: ValueFormatter[];

  constructor(
    private readonly output: Writable,
    private readonly columns: readonly ExportColumn[],
    options: ExportFileWriterOptions,
  ) {
    this.keys = columns.map((c, i) => (i ? ',' : '{') + JSON.stringify(c.key) + ':');
    this.formatters = compileFormatters(columns, options.neutralizeFormulas, JSON_CELLS);
  }

  async writeHeader(): Promise<void> {
    // JSONL carries its keys in every line.
  }

  async writeRows(rows: readonly ExportRow[]): Promise<void> {
    const columns = this.columns;
    const keys = this.keys;
    const formatters = this.formatters;
    const n = formatters.length;
    let chunk = '';
    for (const row of rows) {
      const values = rowValues(row, columns);
      let line = '';
      for (let i = 0; i < n; i++) line += keys[i] + formatters[i](values[i]);
      chunk += (n ? line : '{') + '}\n';
      if (chunk.length >= 1 << 16) {
        await this.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await this.write(chunk);
  }

  async finish(): Promise<void> {
    // Nothing trails a JSONL file.
  }

  abort(): void {
    this.aborted = true;
  }

  private write(chunk: string): Promise<void> {
    if (this.aborted) return Promise.reject(new Error('the export writer was aborted'));
    return writeWithBackpressure(this.output, chunk);
  }
}

import type { Writable } from 'stream';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { rowValues } from './cell-values';
import type { CellFormat } from './column-formatters';
import type { ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import { LineExportWriter } from './line-export.writer';
import { CHUNK_CHARS } from './stream-write';
import { CopyTextTranscoder, JsonlCopyTextTranscoder } from './copy-text-transcoder';

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
export class JsonlExportWriter extends LineExportWriter {
  private readonly keys: string[];

  constructor(output: Writable, columns: readonly ExportColumn[], options: ExportFileWriterOptions) {
    super(output, columns, JSON_CELLS, options.neutralizeFormulas);
    this.keys = columns.map((c, i) => (i ? ',' : '{') + JSON.stringify(c.key) + ':');
  }

  async writeHeader(): Promise<void> {
    // JSONL carries its keys in every line.
  }

  protected copyTextTranscoder(): CopyTextTranscoder {
    return new JsonlCopyTextTranscoder(this.formatters, this.columns, this.neutralizeFormulas);
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
      if (chunk.length >= CHUNK_CHARS) {
        await this.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await this.write(chunk);
  }
}

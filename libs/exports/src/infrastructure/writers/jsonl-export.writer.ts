import type { Writable } from 'stream';
import { neutralizeFormula } from '../../domain/formula-neutralizer';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { Cell, rowValues, toCell } from './cell-values';
import type { ExportFileWriter, ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import { writeWithBackpressure } from './stream-write';

/**
 * JSON Lines: one object per row keyed by column key, LF-terminated, no header line. Numbers are
 * written as exact JSON numbers (a `numeric` "1234.50" stays 1234.50 in the text), dates as
 * "YYYY-MM-DD" strings, nulls as null.
 */
export class JsonlExportWriter implements ExportFileWriter {
  private aborted = false;
  private readonly keys: string[];

  constructor(
    private readonly output: Writable,
    private readonly columns: readonly ExportColumn[],
    private readonly options: ExportFileWriterOptions,
  ) {
    this.keys = columns.map((c) => JSON.stringify(c.key) + ':');
  }

  async writeHeader(): Promise<void> {
    // JSONL carries its keys in every line.
  }

  async writeRows(rows: readonly ExportRow[]): Promise<void> {
    const columns = this.columns;
    const keys = this.keys;
    const neutralize = this.options.neutralizeFormulas;
    let chunk = '';
    for (const row of rows) {
      const values = rowValues(row, columns);
      let line = '{';
      for (let i = 0; i < columns.length; i++) {
        if (i > 0) line += ',';
        line += keys[i] + this.format(toCell(values[i], columns[i].type), neutralize);
      }
      chunk += line + '}\n';
      if (chunk.length >= 1 << 16) {
        await this.write(chunk);
        chunk = '';
      }
    }
    if (chunk) await this.write(chunk);
  }

  private format(cell: Cell, neutralize: boolean): string {
    switch (cell.kind) {
      case 'null':
        return 'null';
      case 'text':
        return JSON.stringify(neutralize ? neutralizeFormula(cell.value) : cell.value);
      case 'number':
        return cell.value;
      case 'boolean':
        return cell.value ? 'true' : 'false';
      default:
        return JSON.stringify(cell.value);
    }
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

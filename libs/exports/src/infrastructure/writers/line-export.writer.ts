import type { Writable } from 'stream';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { CellFormat, compileFormatters, ValueFormatter } from './column-formatters';
import type { ExportFileWriter } from '../../application/ports/export-file-writer.port';
import { writeWithBackpressure } from './stream-write';

/**
 * A text format with one line per row (CSV, JSON Lines): the format's compiled cell formatters,
 * writes with backpressure that stop once aborted, and nothing after the last line.
 */
export abstract class LineExportWriter implements ExportFileWriter {
  private aborted = false;
  protected readonly formatters: ValueFormatter[];

  protected constructor(
    private readonly output: Writable,
    protected readonly columns: readonly ExportColumn[],
    cells: CellFormat,
    neutralizeFormulas: boolean,
  ) {
    this.formatters = compileFormatters(columns, neutralizeFormulas, cells);
  }

  abstract writeHeader(): Promise<void>;

  /**
   * Each format writes its rows in a loop of its own (the hot path: one monomorphic loop per
   * format measured faster than a shared loop calling the format per line), gathering lines
   * into chunks of CHUNK_CHARS and handing each to `write`.
   */
  abstract writeRows(rows: readonly ExportRow[]): Promise<void>;

  async finish(): Promise<void> {
    // Nothing trails the last line; the storage writer's commit ends the stream.
  }

  abort(): void {
    this.aborted = true;
  }

  protected write(chunk: string): Promise<void> {
    if (this.aborted) return Promise.reject(new Error('the export writer was aborted'));
    return writeWithBackpressure(this.output, chunk);
  }
}

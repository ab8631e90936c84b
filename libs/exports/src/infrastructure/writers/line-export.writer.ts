import type { Writable } from 'stream';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { CellFormat, compileFormatters, ValueFormatter } from './column-formatters';
import type { ExportFileWriter } from '../../application/ports/export-file-writer.port';
import { writeWithBackpressure } from './stream-write';
import type { CopyTextTranscoder } from './copy-text-transcoder';

/**
 * A text format with one line per row (CSV, JSON Lines): the format's compiled cell formatters,
 * writes with backpressure that stop once aborted, and nothing after the last line.
 */
export abstract class LineExportWriter implements ExportFileWriter {
  private aborted = false;
  protected readonly formatters: ValueFormatter[];
  private transcoder: CopyTextTranscoder | null = null;

  protected constructor(
    private readonly output: Writable,
    protected readonly columns: readonly ExportColumn[],
    cells: CellFormat,
    protected readonly neutralizeFormulas: boolean,
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

  /** The format's byte path from COPY text (see CopyTextTranscoder). */
  protected abstract copyTextTranscoder(): CopyTextTranscoder;

  async writeCopyText(chunk: Buffer): Promise<number> {
    this.transcoder ??= this.copyTextTranscoder();
    const { rows, output } = this.transcoder.push(chunk);
    for (const bytes of output) await this.write(bytes);
    return rows;
  }

  async finish(): Promise<void> {
    // Nothing trails the last line; the storage writer's commit ends the stream.
    if (this.transcoder) for (const bytes of this.transcoder.end()) await this.write(bytes);
  }

  abort(): void {
    this.aborted = true;
  }

  protected write(chunk: string | Buffer): Promise<void> {
    if (this.aborted) return Promise.reject(new Error('the export writer was aborted'));
    return writeWithBackpressure(this.output, chunk);
  }
}

import type { Writable } from 'stream';
import { neutralizeFormula } from '../../domain/formula-neutralizer';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import { Cell, rowValues, toCell } from './cell-values';
import type { ExportFileWriter, ExportFileWriterOptions } from '../../application/ports/export-file-writer.port';
import { writeWithBackpressure } from './stream-write';

const NEEDS_QUOTES = /[",\r\n]/;

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

  constructor(
    private readonly output: Writable,
    private readonly columns: readonly ExportColumn[],
    private readonly options: ExportFileWriterOptions,
  ) {}

  async writeHeader(): Promise<void> {
    const header = this.columns.map((c) => csvField(c.header)).join(',') + '\r\n';
    await this.write((this.options.csvBom ? '\uFEFF' : '') + header);
  }

  async writeRows(rows: readonly ExportRow[]): Promise<void> {
    const columns = this.columns;
    const neutralize = this.options.neutralizeFormulas;
    let chunk = '';
    for (const row of rows) {
      const values = rowValues(row, columns);
      let line = '';
      for (let i = 0; i < columns.length; i++) {
        if (i > 0) line += ',';
        line += this.format(toCell(values[i], columns[i].type), neutralize);
      }
      chunk += line + '\r\n';
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
        return '';
      case 'text':
        return cell.value === '' ? '""' : csvField(neutralize ? neutralizeFormula(cell.value) : cell.value);
      case 'boolean':
        return cell.value ? 'true' : 'false';
      default:
        return cell.value;
    }
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

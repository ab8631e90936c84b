import type { Writable } from 'stream';
import type { ExportColumn, ExportRow } from '../../public/dependencies/export-data-source.dependency';
import type { FileFormat } from '../../public/enums/file-format';

export interface ExportFileWriterOptions {
  /** Prefix `'` to text cells that would run as formulas (see formula-neutralizer). */
  neutralizeFormulas: boolean;
  /** CSV only: start with a UTF-8 byte order mark so Excel reads the file as UTF-8. */
  csvBom?: boolean;
  /** XLSX only: base name of the sheets ("employees", "employees (2)", ...). */
  sheetName?: string;
  /** XLSX only: data rows per sheet before a new sheet starts (default: Excel's limit minus the header). */
  maxRowsPerSheet?: number;
}

/**
 * Streams rows into one file. `writeRows` resolves once the batch is handed to the output with
 * backpressure respected; `finish` writes the trailer (the output stays open: the storage writer's
 * commit ends it); `abort` stops producing bytes.
 */
export interface ExportFileWriter {
  writeHeader(): Promise<void>;
  writeRows(rows: readonly ExportRow[]): Promise<void>;
  /**
   * Formats that can write rows straight from COPY text bytes (see `ExportDataSource.copyText`):
   * writes every complete row of what has arrived, keeps a row cut by the chunk's end for the next
   * call, and resolves to the number of rows written. `finish` fails if a row was left unended.
   */
  writeCopyText?(chunk: Buffer): Promise<number>;
  finish(): Promise<void>;
  abort(): void;
}

export type ExportFileWriterConstructor = new (output: Writable, columns: readonly ExportColumn[], options: ExportFileWriterOptions) => ExportFileWriter;

/** Creates the writer of a format (bound in the module to the streaming CSV, XLSX and JSONL writers). */
export interface ExportFileWriterFactory {
  create(format: FileFormat, output: Writable, columns: readonly ExportColumn[], options: ExportFileWriterOptions): ExportFileWriter;
}

export const EXPORT_FILE_WRITER_FACTORY = Symbol('EXPORT_FILE_WRITER_FACTORY');

import type { Readable } from 'stream';
import type { ColumnMappingOverride } from '../../domain/column-resolution';
import type { ImportTypeDefinition } from '../../public/dependencies/import-processor.dependency';
import type { ImportFormat } from '../../public/enums/import-format';

/** A stored upload as a reader sees it: a size and ranged reads (local disk or S3 alike). */
export interface SourceFile {
  sizeBytes: number;
  /** `end` is inclusive, like HTTP ranges. */
  open(range?: { start: number; end?: number }): Promise<Readable>;
}

export type SourceRow =
  | { rowNumber: number; cells: unknown[]; failure?: undefined }
  | { rowNumber: number; cells: unknown[]; failure: string; failedCells?: readonly FailedCell[] };

/**
 * A cell the reader failed while the rest of its row is still data (an XLSX cell holding an Excel
 * error value): its position and problem. The row's other cells are validated as usual, and its
 * failure lists both, in column order (prepareRow). A row failed without them (a JSONL line that
 * is no JSON object) is failed by the reader's `failure` alone.
 */
export interface FailedCell {
  index: number;
  problem: string;
}

/** A file opened for reading rows: its header, then its data rows in order. */
export interface RowReader {
  header: string[];
  rows: AsyncIterable<SourceRow>;
  /**
   * The same rows in the batches the reader has them (fewer awaits on the hot path). A reader may
   * offer it; read either `rows` or `batches`, not both.
   */
  batches?: AsyncIterable<SourceRow[]>;
  /**
   * A file without a header row of its own (JSONL: each line names its keys): the names the rows
   * read so far used (the skipped ones included) → the column each fed, null for one ignored. The
   * batch's `columnMapping`, instead of the header's.
   */
  columnMapping?(): Record<string, string | null>;
  close(): Promise<void>;
}

/** What a reader is told about the batch besides its bytes. */
export interface ReadOptions {
  /** XLSX: the sheet to read (null: the first). */
  sheet: string | null;
  /** The import type: a JSONL line's keys are its columns. */
  definition: ImportTypeDefinition;
  /** The upload's mapping (file header or JSONL key → column, null to ignore it). */
  mapping: ColumnMappingOverride | null;
  /**
   * XLSX, a quick look (the upload's header check): the reader gives up (refuses the file) once it
   * has inflated this many bytes of one XML part. Absent: only the import limits apply.
   */
  xmlPartBytes?: number;
}

/** What the structural pass found. */
export interface FileScan {
  dataRows: number;
}

/** Reads one format (CSV, XLSX, JSONL). Both methods throw FileRejectedError for a file that cannot be imported. */
export interface ImportFileReader {
  /** The structural pass over the whole file, before anything is written (ADR 030): the file's limits, and its data rows. */
  scan(file: SourceFile, options: ReadOptions): Promise<FileScan>;
  /** The header, then the data rows after the first `skipRows` (a resumed run starts after its checkpoint). */
  open(file: SourceFile, options: ReadOptions, skipRows: number): Promise<RowReader>;
}

/** The reader of each format. */
export type ImportFileReaders = Readonly<Record<ImportFormat, ImportFileReader>>;

export const IMPORT_FILE_READERS = Symbol('IMPORT_FILE_READERS');

import type { Readable } from 'stream';

/** A stored upload as the parsers see it: a size and ranged reads (local disk or S3 alike). */
export interface SourceFile {
  sizeBytes: number;
  /** `end` is inclusive, like HTTP ranges. */
  open(range?: { start: number; end?: number }): Promise<Readable>;
}

export type SourceRow =
  | { rowNumber: number; cells: unknown[]; failure?: undefined }
  | { rowNumber: number; cells: unknown[]; failure: string };

/** A file opened for reading rows: its header, then its data rows in order. */
export interface RowReader {
  header: string[];
  rows: AsyncIterable<SourceRow>;
  /**
   * The same rows in the batches the reader has them (fewer awaits on the hot path). A reader may
   * offer it; read either `rows` or `batches`, not both.
   */
  batches?: AsyncIterable<SourceRow[]>;
  close(): Promise<void>;
}

import type { Readable } from 'stream';

/** An inclusive byte range of a file: bytes `start` to `end`, as in HTTP `Range: bytes=start-end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A file the caller was allowed to download, as a module's download query answers it once every
 * check has passed (and, where the module counts downloads, the download was counted). Where the
 * bytes live stays inside the module: `open` reads them, whole or one range, and throws in the
 * module's own terms (NotFoundError, GoneError) when they vanished since the checks.
 */
export interface FileDownload {
  readonly fileName: string;
  readonly contentType: string;
  /** Null when the bytes are made as they are read (no length known in advance, no ranges). */
  readonly sizeBytes: number | null;
  /** Hex SHA-256 of the bytes, when stored with them: a strong validator of this file. */
  readonly sha256: string | null;
  /** The whole file, or only `range` (given only when `sizeBytes` is known, and within it). */
  open(range?: ByteRange): Promise<Readable>;
}

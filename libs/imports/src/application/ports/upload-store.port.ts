import type { Readable } from 'stream';
import type { ImportFormat } from '../../public/enums/import-format';
import type { DeclaredFileType } from '../../domain/declared-file-type';
import type { SourceFile } from './import-file-reader.port';

export interface StoredUpload {
  storageKey: string;
  sizeBytes: number;
  sha256: string;
  format: ImportFormat;
  /** CSV: the header record, when it is complete within the sniffed beginning of the file; else null. */
  csvHeader: string[] | null;
}

/**
 * Streams an upload into file storage under a server-generated key while counting (413 past
 * the limit), hashing (sha256) and sniffing its format from the first bytes (415 when not CSV,
 * XLSX or JSONL; 422 when empty). Never holds the file in memory.
 */
export interface UploadStore {
  /** `declared`: what the upload says it is; a claim the content contradicts is refused (415) before anything is kept. */
  store(stream: Readable, tenant: string, recordId: string, batchId: string, declared?: DeclaredFileType): Promise<StoredUpload>;
  discard(storageKey: string): Promise<void>;
  /** A stored upload as the file readers read it (size and ranged reads), on any storage driver. */
  source(upload: { storageKey: string; sizeBytes: number }): SourceFile;
}

export const UPLOAD_STORE = Symbol('UPLOAD_STORE');

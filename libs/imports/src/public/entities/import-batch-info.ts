import type { ImportBatchStatus } from '../enums/import-batch-status';
import type { ImportFormat } from '../enums/import-format';

/** The batch's rows by their result's status: `completed + failed + partiallyFailed + retrying = total`, at every moment. */
export interface ImportBatchCounts {
  /** Rows with a result so far (every data row once the batch is terminal, unless aborted). */
  total: number;
  completed: number;
  failed: number;
  partiallyFailed: number;
  /**
   * Rows being retried (retry-failed-rows): failed or partially failed rows whose new outcome is
   * not committed yet (their results' status is `retrying`). 0 once the batch has ended.
   */
  retrying: number;
}

/** The read model of a batch: one uploaded file of an import record. */
export interface ImportBatchInfo {
  id: string;
  importRecordId: string;
  /** The job that processes (or last re-processed) this batch. */
  jobId: string | null;
  /** The uploaded file's name, sanitised; metadata only (the format comes from the content). */
  fileName: string | null;
  format: ImportFormat;
  sizeBytes: number;
  sha256: string;
  status: ImportBatchStatus;
  counts: ImportBatchCounts;
  /** Data rows in the file, once the file has been scanned. */
  rowsInFile: number | null;
  /** Last data row committed (resume point). */
  lastCommittedRow: number;
  /** The upload's `mapping` (file header → column; null ignores that file column), as sent. */
  mapping: Record<string, string | null> | null;
  /**
   * The mapping used: each header of the file → the column it fed (through the mapping, the
   * type's names and aliases), null for an ignored column. Null until the file is scanned. A
   * JSONL file's names are its lines' keys: each key the lines used → its column, recorded once the
   * lines have been read (at the batch's end, or abort).
   */
  columnMapping: Record<string, string | null> | null;
  dryRun: boolean;
  onError: 'continue' | 'abort';
  /** A file-level failure (the file was refused) or the reason of an abort. */
  errorDetails: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

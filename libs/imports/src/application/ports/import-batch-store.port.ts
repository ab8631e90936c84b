import type { ImportBatchStatus } from '../../public/enums/import-batch-status';
import type { ImportFormat } from '../../public/enums/import-format';
import type { ChunkConnection, RowResult } from './chunk-connection.port';

/** A batch as a run took it (ImportBatchStore.claim). */
export interface ClaimedBatch {
  id: string;
  importRecordId: string;
  tenant: string;
  type: string;
  format: ImportFormat;
  sheet: string | null;
  mapping: Record<string, string | null> | null;
  storageKey: string;
  sizeBytes: number;
  status: string;
  /** The validated header, once a run has scanned the file (null before). */
  header: string[] | null;
  rowsInFile: number | null;
  /** The checkpoint: the last row of the file whose chunk committed. */
  lastRow: number;
  countPending: number;
  dryRun: boolean;
  onError: 'continue' | 'abort';
  /** Why a failed batch failed. */
  errorDetails: string | null;
  /** A failed batch whose job ended it (cancelled, failed for good) rather than its own processing. */
  endedByJob: boolean;
}

/** The row that aborts a batch (onError "abort"), with what the batch records with it. */
export interface AbortedRow {
  header: string[];
  rowsInFile: number | null;
  result: RowResult;
  /** A JSONL file's keys read up to the row (RowReader.columnMapping), to replace the batch's. */
  columnMapping?: Record<string, string | null>;
}

/**
 * The batch's state as the processing job changes it, each change fenced by the run token (a
 * run that no longer owns the batch gets StaleRunError and changes nothing). The terminal changes
 * (finish, fail, abort, failByJob) commit durably; then ImportBatchCompleted is published, and
 * ImportRecordCompleted when the batch completes its finalised record.
 */
export interface ImportBatchStore {
  /**
   * Takes the batch for this run: stores the run token (from then on every older run's chunk
   * fails its fence) and moves `created` to `started`, the record too on its first batch's first
   * run. A batch that has ended is returned unchanged: a run of its old job (a job retried by
   * hand, or run again after its worker died) must not fence or relabel what ended it. Null when
   * there is no such batch.
   */
  claim(batchId: string, tenant: string, runToken: string): Promise<ClaimedBatch | null>;
  /**
   * Records the validated header, the row count of the structural pass and which column each file
   * column fed (`columnMapping`: null for a file without a header of its own, JSONL, whose lines'
   * keys are known once they have been read: see finish and abort).
   */
  saveScan(batchId: string, runToken: string, header: string[], rowsInFile: number, columnMapping: Record<string, string | null> | null): Promise<void>;
  /**
   * Every row has its result: the status derived from the counts. `columnMapping`, when given,
   * replaces the batch's (a JSONL file's keys, known once its lines have been read).
   */
  finish(batch: ClaimedBatch, runToken: string, columnMapping?: Record<string, string | null>): Promise<ImportBatchStatus>;
  /**
   * The file as a whole is refused: failed, with the reason. Rows left `retrying` (a retry or
   * resume) go back to `failed` and the counts are recounted from the results.
   */
  fail(batch: ClaimedBatch, runToken: string, reason: string): Promise<void>;
  /**
   * onError "abort": failed and aborted, with the reason, in the same transaction as the bad
   * row's result (one failed row more) and, when the scan was not saved yet, the header and rows in file.
   */
  abort(batch: ClaimedBatch, runToken: string, reason: string, bad: AbortedRow): Promise<void>;
  /**
   * The batch's job failed for good or was cancelled while the batch was unfinished: failed with
   * the reason, rows left `retrying` back to `failed`, counts recounted from the results.
   */
  failByJob(jobId: string, reason: string): Promise<void>;
  /**
   * Connections for a run's chunk transactions: `upTo` of them, the second only if the pool has
   * one to spare (a worker running many imports never waits on itself). Release each one.
   */
  connections(upTo: 1 | 2): Promise<ChunkConnection[]>;
}

export const IMPORT_BATCH_STORE = Symbol('IMPORT_BATCH_STORE');

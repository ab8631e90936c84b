import type { Transaction } from '@porter/platform';
import type { SortOrder } from '@porter/shared-kernel';
import type { ImportFormat } from '../../public/enums/import-format';
import type { ImportOptions, ImportRecordInfo } from '../../public/entities/import-record-info';

/** A stored import record: the read model's own fields, with dates as dates and the options flat. */
export interface ImportRecordRow
  extends Pick<
      ImportRecordInfo,
      'id' | 'createdBy' | 'type' | 'sourceName' | 'processorName' | 'processorVersion' | 'notes' | 'searchString' | 'expectedReferenceCount'
    >,
    ImportOptions {
  tenant: string;
  searchedAt: Date | null;
  status: string;
  finalizedAt: Date | null;
  completedAt: Date | null;
  createdAt: Date;
}

export interface ImportBatchRow {
  id: string;
  importRecordId: string;
  tenant: string;
  jobId: string | null;
  fileName: string | null;
  format: ImportFormat;
  sheet: string | null;
  /** The upload's `mapping` (file header → column, null = ignored), as asked. */
  mapping: Record<string, string | null> | null;
  /** File header → column the scanned header resolved to (null = ignored); null before the scan. */
  columnMapping: Record<string, string | null> | null;
  storageKey: string;
  sizeBytes: number;
  sha256: string;
  forced: boolean;
  status: string;
  header: string[] | null;
  rowsInFile: number | null;
  lastRow: number;
  countCompleted: number;
  countFailed: number;
  countPartiallyFailed: number;
  countPending: number;
  errorDetails: string | null;
  aborted: boolean;
  /**
   * Failed because its job ended (failed for good or cancelled) while the batch was unfinished,
   * not because its file was refused: a file refusal is written by the batch's own run (which
   * keeps its run token), the job's end clears the run token (BatchState.failByJob).
   */
  endedByJob: boolean;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
}

export type NewImportRecord = Omit<ImportRecordRow, 'status' | 'finalizedAt' | 'completedAt' | 'createdAt'>;
export type NewImportBatch = Pick<ImportBatchRow, 'id' | 'importRecordId' | 'tenant' | 'fileName' | 'format' | 'sheet' | 'mapping' | 'storageKey' | 'sizeBytes' | 'sha256' | 'forced'>;

export interface RecordScope {
  tenant: string;
  /** Non-admins see only what they created. */
  createdBy: string | null;
}

/** Persistence of records and batches for the command and query handlers. */
export interface ImportsRepository {
  /**
   * Runs `work` in ONE database transaction; a SubmitJobCommand given `transaction` is written
   * in it, so the rows written and the job commit together.
   */
  inTransaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T>;
  insertRecord(record: NewImportRecord): Promise<ImportRecordRow>;
  /** `lock` takes a row lock (inside inTransaction) to serialise batch additions and finalisation. */
  findRecord(scope: RecordScope, id: string, lock?: boolean): Promise<ImportRecordRow | null>;
  listRecords(scope: RecordScope, filter: { type?: string; status?: string }, offset: number, limit: number, order?: SortOrder): Promise<{ items: ImportRecordRow[]; total: number }>;
  /** Deletes a record (its caller has checked it has no batches, under the record's lock). */
  deleteRecord(id: string): Promise<void>;
  updateRecord(id: string, changes: Partial<Pick<ImportRecordRow, 'status' | 'finalizedAt' | 'completedAt'>>): Promise<void>;
  insertBatch(batch: NewImportBatch): Promise<ImportBatchRow>;
  setBatchJob(batchId: string, jobId: string): Promise<void>;
  findBatch(recordId: string, batchId: string): Promise<ImportBatchRow | null>;
  listBatches(recordIds: string[]): Promise<ImportBatchRow[]>;
  /** A non-forced batch of this record with this file hash, if any. */
  findBatchBySha(recordId: string, sha256: string): Promise<ImportBatchRow | null>;
  /**
   * Marks the failed and partially failed results of a batch `retrying` and reopens the batch
   * (`started`, no error details); returns how many rows (nothing changes when none).
   */
  markFailedRowsRetrying(batchId: string): Promise<number>;
  /**
   * Reopens a batch that ended before the end of its file, so a `resume` run can finish it: the
   * results past the checkpoint (an aborted batch's failed row) are removed, failed and partially
   * failed results up to it become `retrying`, the counts are recounted from the results, and the
   * batch is `started` again, neither aborted nor with error details. Returns the `retrying` count.
   */
  reopenUnfinishedBatch(batchId: string): Promise<number>;
  /**
   * Resets a batch whose job ended before its file was scanned (no header) to be processed from
   * the start: no results, no counts, no checkpoint, `started`, neither aborted nor with error details.
   */
  restartBatch(batchId: string): Promise<void>;
}

export const IMPORTS_REPOSITORY = Symbol('IMPORTS_REPOSITORY');

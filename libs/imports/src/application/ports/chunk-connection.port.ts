import type { ImportUnitOfWork } from '../../public/dependencies/import-processor.dependency';

/** The run that writes: a statement fenced by it changes nothing once another run owns the batch. */
export interface RunFence {
  batchId: string;
  runToken: string;
}

/** A row's result, as recorded. */
export interface RowResult {
  rowNumber: number;
  status: 'completed' | 'partially_failed' | 'failed';
  referenceId: string | null;
  failureDetails: string | null;
  /** The row's cells: kept (for a retry and the failed-rows file) unless the row completed. */
  cells: unknown[];
  /** A failure a retry must repeat as it is (PreparedRow.final). */
  final?: true;
}

/** A row whose result is `retrying`, with the cells stored when it failed (and a failure to repeat, if any). */
export interface RetryingRow {
  rowNumber: number;
  cells: unknown[];
  failure?: string;
}

export interface ChunkTally {
  completed: number;
  failed: number;
  partiallyFailed: number;
}

/**
 * One database connection on which chunks are written, each in ONE transaction (ADR 031, 036):
 * the host's writes (through `unitOfWork`), the chunk's results and the fenced checkpoint commit
 * together or not at all. A fenced statement throws StaleRunError when the run no longer owns the
 * batch. `begin` and `beginRetry` roll back before they throw; after any other failure the caller
 * rolls back.
 */
export interface ChunkConnection {
  /** The open transaction, as the host writes through it. */
  readonly unitOfWork: ImportUnitOfWork;
  /**
   * Opens a chunk's transaction, fenced, in one round trip, with relaxed commit durability (ADR
   * 036): with `expectedLastRow`, the batch row is locked (FOR UPDATE) if the run owns it and its
   * checkpoint is there (a chunk alone); with null, only the run token is checked, without blocking
   * the previous chunk's checkpoint (FOR KEY SHARE: a chunk that overlaps the previous one).
   */
  begin(fence: RunFence, expectedLastRow: number | null): Promise<void>;
  /** Up to `limit` rows whose results are still `retrying`, after row `afterRow`, in row order (outside any transaction). */
  retryingRows(batchId: string, afterRow: number, limit: number): Promise<RetryingRow[]>;
  /** Opens a retry chunk's transaction: the batch row locked (FOR UPDATE) if the run owns it. */
  beginRetry(fence: RunFence): Promise<void>;
  /** Runs `work` and rolls back what it wrote (a dry run), keeping the transaction open. */
  discarding<T>(work: () => Promise<T>): Promise<T>;
  /** The chunk's results, in bulk. */
  addResults(batchId: string, results: readonly RowResult[]): Promise<void>;
  /** Moves the checkpoint from `expectedLastRow` to `lastRow` and adds the chunk's counts, fenced. */
  checkpoint(fence: RunFence, expectedLastRow: number, lastRow: number, tally: ChunkTally): Promise<void>;
  /**
   * A retry chunk: its rows' `retrying` results rewritten in place (a row no longer `retrying`
   * is never rewritten: StaleRunError) and the counts moved from pending, fenced.
   */
  rewriteResults(fence: RunFence, results: readonly RowResult[], tally: ChunkTally): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
  /** Gives the connection back (no transaction may be open). */
  release(): void;
}

import type { Principal } from '@porter/shared-kernel';
import type { PreparedRow } from '../../domain/prepared-row';
import type { ImportProcessor, ImportRow, ImportRowOutcome, ImportUnitOfWork } from '../../public/dependencies/import-processor.dependency';
import type { ChunkConnection, ChunkTally, RowResult } from '../ports/chunk-connection.port';
import type { RunTimings } from './run-timings';

/** The batch a run writes its chunks to, and how. */
export interface ChunkTarget {
  recordId: string;
  batchId: string;
  runToken: string;
  principal: Principal;
  dryRun: boolean;
  abortOnError: boolean;
  processor: ImportProcessor;
  /**
   * Writes the job's progress (rows of the file committed) inside the chunk's transaction, so
   * progress equals committed work at every checkpoint.
   */
  reportProgress?: (unitOfWork: ImportUnitOfWork, committedRows: number) => Promise<void>;
  /** Accumulates where the time goes, when given. */
  timings?: RunTimings;
}

export interface ChunkOutcome extends ChunkTally {
  /** Set when onError is "abort" and a row failed: the chunk was rolled back. */
  abortedAt: { rowNumber: number; reason: string; cells: unknown[] } | null;
}

/**
 * How a chunk transaction is ordered after the previous one when two overlap on two connections
 * (see writeChunk). The reader keeps at most two chunks in flight.
 */
export interface ChunkOrder {
  /** Settles (never rejects) once the previous chunk's host writes are finished. */
  previousHostDone: Promise<void>;
  /** Resolves once the previous chunk has committed; rejects if it will not. */
  previousCommitted: Promise<void>;
  /** Called exactly once, when this chunk's host writes are finished (or failed). */
  hostDone: () => void;
}

/** The previous chunk of an overlapping pair did not commit, so this one rolled back too. */
export class PreviousChunkNotCommittedError extends Error {
  constructor() {
    super('the previous chunk did not commit; this chunk was rolled back');
    this.name = 'PreviousChunkNotCommittedError';
  }
}

/**
 * ONE transaction per chunk: (1) the fence: this run must still own the batch; (2) the host's
 * writes through the same transaction; (3) the row results in bulk; (4) the checkpoint and counts,
 * guarded by the run token AND the expected checkpoint, under the batch row's lock. All commit
 * together, so a crash anywhere leaves either the whole chunk or none of it: a resumed run
 * continues after the last committed chunk, exactly once.
 *
 * Alone (no `order`), step 1 locks the batch row with the expected checkpoint: a stale run stops
 * before the host writes anything and two racing runs are serialised.
 *
 * With `order` (the reader's pipeline, ADR 036), two chunk transactions overlap on two
 * connections: chunk N+1 starts its host writes once chunk N's host writes are finished, while N
 * still copies its results and commits. Step 1 is then a token check that does not block N's
 * checkpoint update, and before step 4 chunk N+1 waits until N has committed; if N does not
 * commit, N+1 rolls back. So chunks still commit one after the other, in file order, each with
 * `last_row` = the previous chunk's end; step 4 stays the real fence (a run whose token was
 * replaced meanwhile, or whose checkpoint moved, updates no row and rolls back). Host writes
 * cannot deadlock across the pair: N+1 writes only after N's writes are done, so N+1 may wait on
 * N's rows (an email both chunks hold: N+1 waits for N's commit, then upserts over it, the last
 * row winning as in a serial run), never the reverse.
 */
export async function writeChunk(
  connection: ChunkConnection,
  target: ChunkTarget,
  rows: PreparedRow[],
  expectedLastRow: number,
  order?: ChunkOrder,
): Promise<ChunkOutcome> {
  const timings = target.timings;
  let hostDone = order ? order.hostDone : null;
  const releaseNext = () => {
    hostDone?.();
    hostDone = null;
  };
  let prepared: Prepared;
  let t = performance.now();
  try {
    // The host's database-free work first: it runs now, while the previous chunk still writes.
    prepared = prepareRows(target, rows);
    if (timings) timings.prepareMs += performance.now() - t;
    if (order) {
      t = performance.now();
      await order.previousHostDone;
      if (timings) timings.orderMs += performance.now() - t;
    }
    t = performance.now();
    await connection.begin(target, order ? null : expectedLastRow);
  } catch (error) {
    releaseNext();
    throw error;
  }
  try {
    if (timings) timings.transactionMs += performance.now() - t;
    t = performance.now();
    let results: RowResult[];
    try {
      results = await processRows(connection, target, rows, prepared);
    } finally {
      releaseNext();
    }
    if (timings) timings.hostMs += performance.now() - t;
    const abort = target.abortOnError ? results.find((r) => r.status === 'failed') : undefined;
    if (abort) {
      await connection.rollback();
      return { completed: 0, failed: 0, partiallyFailed: 0, abortedAt: { rowNumber: abort.rowNumber, reason: abort.failureDetails ?? 'failed', cells: abort.cells } };
    }
    const tally = count(results);
    const lastRow = rows[rows.length - 1].rowNumber;
    t = performance.now();
    await connection.addResults(target.batchId, results);
    if (timings) timings.resultsMs += performance.now() - t;
    if (order) {
      const waitStarted = performance.now();
      await order.previousCommitted.catch(() => {
        throw new PreviousChunkNotCommittedError();
      });
      if (timings) timings.orderMs += performance.now() - waitStarted;
    }
    t = performance.now();
    await connection.checkpoint(target, expectedLastRow, lastRow, tally);
    await target.reportProgress?.(connection.unitOfWork, lastRow);
    await connection.commit();
    if (timings) {
      timings.transactionMs += performance.now() - t;
      timings.chunks++;
    }
    return { ...tally, abortedAt: null };
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  }
}

/**
 * The retry variant: the rows are results in `retrying`; they are updated in place (and only
 * while still `retrying`, so a row is never retried twice).
 */
export async function rewriteChunk(connection: ChunkConnection, target: ChunkTarget, rows: PreparedRow[]): Promise<ChunkOutcome> {
  await connection.beginRetry(target);
  try {
    const results = await processRows(connection, target, rows, prepareRows(target, rows));
    const tally = count(results);
    await connection.rewriteResults(target, results, tally);
    await connection.commit();
    return { ...tally, abortedAt: null };
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  }
}

interface Prepared {
  valid: ImportRow[];
  prepared: unknown;
}

/** The valid rows of a chunk and what the host's optional `prepare` made of them. */
function prepareRows(target: ChunkTarget, rows: PreparedRow[]): Prepared {
  // A prepared row with values IS an ImportRow (rowNumber, values): passed as is, no copy.
  const valid = rows.filter((r) => r.values !== null) as ImportRow[];
  const prepare = target.processor.prepare;
  const prepared =
    valid.length && prepare
      ? prepare.call(target.processor, valid, {
          principal: target.principal,
          importRecordId: target.recordId,
          importBatchId: target.batchId,
          dryRun: target.dryRun,
        })
      : undefined;
  return { valid, prepared };
}

/** The host's writes for the valid rows (rolled back for a dry run), and every row's result. */
async function processRows(connection: ChunkConnection, target: ChunkTarget, rows: PreparedRow[], { valid, prepared }: Prepared): Promise<RowResult[]> {
  let outcomes: ImportRowOutcome[] = [];
  if (valid.length) {
    const host = () =>
      target.processor.process(valid, {
        principal: target.principal,
        unitOfWork: connection.unitOfWork,
        importRecordId: target.recordId,
        importBatchId: target.batchId,
        dryRun: target.dryRun,
        prepared,
      });
    outcomes = target.dryRun ? await connection.discarding(host) : await host();
    if (!Array.isArray(outcomes) || outcomes.length !== valid.length) {
      throw new Error(`the import processor returned ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes for ${valid.length} rows`);
    }
  }
  const results: RowResult[] = [];
  let k = 0;
  for (const row of rows) {
    if (row.values === null) {
      results.push({ rowNumber: row.rowNumber, status: 'failed', referenceId: null, failureDetails: row.failure, cells: row.cells, ...(row.final ? { final: true } : {}) });
      continue;
    }
    const o = outcomes[k++];
    const referenceId = o.status === 'failed' || target.dryRun ? null : (o.referenceId ?? null);
    results.push({
      rowNumber: row.rowNumber,
      status: o.status,
      referenceId,
      failureDetails: o.status === 'completed' ? null : o.failureDetails,
      cells: row.cells,
    });
  }
  return results;
}

function count(results: RowResult[]): ChunkTally {
  let completed = 0;
  let failed = 0;
  let partiallyFailed = 0;
  for (const r of results) {
    if (r.status === 'completed') completed++;
    else if (r.status === 'failed') failed++;
    else partiallyFailed++;
  }
  return { completed, failed, partiallyFailed };
}

import { Readable } from 'stream';
import { pipeline } from 'stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Principal } from '@porter/shared-kernel';
import type { ImportProcessor, ImportRow, ImportRowOutcome } from '../../public/dependencies/import-processor.dependency';
import { CopyBuffer, copyValue } from '@porter/platform';
import { PgImportUnitOfWork } from '../persistence/pg-import-unit-of-work';
import { jsonbText } from './copy-text';
import { encodeStoredCell } from '../../domain/stored-cell';

/** A row ready for a chunk: validated values, or the reason it failed validation. */
export interface PreparedRow {
  rowNumber: number;
  cells: unknown[];
  values: ImportRow['values'] | null;
  failure: string | null;
}

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
   * progress equals committed work at every checkpoint (JobContext.progressWith).
   */
  reportProgress?: (execute: (sql: string, params: unknown[]) => Promise<number>, committedRows: number) => Promise<void>;
  /** Accumulates where the time goes, when given. */
  timings?: RunTimings;
}

/**
 * Where a batch run's time goes (milliseconds, summed over its chunks), logged when the run ends:
 * operators see whether a slow import waits on the database or on parsing, and the benchmark
 * prints it.
 */
export class RunTimings {
  /** The structural pass over the whole file. */
  scanMs = 0;
  /** Reading, parsing and validating rows, net of waiting for the database. */
  parseMs = 0;
  /** The reader waiting for the previous chunk's transaction (the database is the bottleneck). */
  waitMs = 0;
  /** The host's writes (`ImportProcessor.process`), per chunk transaction. */
  hostMs = 0;
  /** The results COPY, per chunk transaction. */
  resultsMs = 0;
  /** BEGIN with the fence, the checkpoint update and COMMIT. */
  transactionMs = 0;
  /** Overlapping chunks: waiting for the previous chunk's host writes, then for its commit. */
  orderMs = 0;
  /** The host's database-free `prepare`, per chunk (off the database's critical path). */
  prepareMs = 0;
  chunks = 0;

  toJSON(): Record<string, number> {
    const r = (n: number) => Math.round(n);
    return {
      scanMs: r(this.scanMs),
      parseMs: r(this.parseMs),
      waitMs: r(this.waitMs),
      hostMs: r(this.hostMs),
      resultsMs: r(this.resultsMs),
      transactionMs: r(this.transactionMs),
      orderMs: r(this.orderMs),
      prepareMs: r(this.prepareMs),
      chunks: this.chunks,
    };
  }
}

export interface ChunkOutcome {
  completed: number;
  failed: number;
  partiallyFailed: number;
  /** Set when onError is "abort" and a row failed: the chunk was rolled back. */
  abortedAt: { rowNumber: number; reason: string; cells: unknown[] } | null;
}

/** The run no longer owns the batch (a newer run took over): its chunk must not commit. */
export class StaleRunError extends Error {
  constructor(batchId: string) {
    super(`import batch ${batchId} is owned by another run; this run stops without writing`);
    this.name = 'StaleRunError';
  }
}

interface FinalResult {
  rowNumber: number;
  status: 'completed' | 'partially_failed' | 'failed';
  referenceId: string | null;
  failureDetails: string | null;
  cells: unknown[];
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
 * writes through the same client; (3) the row results in bulk (COPY); (4) the checkpoint and
 * counts, guarded by the run token AND the expected checkpoint, under the batch row's lock. All
 * commit together, so a crash anywhere leaves either the whole chunk or none of it: a resumed run
 * continues after the last committed chunk, exactly once.
 *
 * Alone (no `order`), step 1 locks the batch row (FOR UPDATE) with the expected checkpoint: a
 * stale run stops before the host writes anything and two racing runs are serialised.
 *
 * With `order` (the reader's pipeline, ADR 036), two chunk transactions overlap on two
 * connections: chunk N+1 starts its host writes once chunk N's host writes are finished, while N
 * still copies its results and commits. Step 1 is then a token check under FOR KEY SHARE (it does
 * not block N's checkpoint update), and before step 4 chunk N+1 waits until N has committed; if N
 * does not commit, N+1 rolls back. So chunks still commit one after the other, in file order,
 * each with `last_row` = the previous chunk's end; step 4 stays the real fence (a run whose token
 * was replaced meanwhile, or whose checkpoint moved, updates no row and rolls back). Host writes
 * cannot deadlock across the pair: N+1 writes only after N's writes are done, so N+1 may wait on
 * N's rows (an email both chunks hold: N+1 waits for N's commit, then upserts over it, the last
 * row winning as in a serial run), never the reverse.
 */
export async function writeChunk(
  client: PoolClient,
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
    await beginFenced(client, target, order ? null : expectedLastRow);
  } catch (error) {
    releaseNext();
    throw error;
  }
  try {
    if (timings) timings.transactionMs += performance.now() - t;
    t = performance.now();
    let results: FinalResult[];
    try {
      results = await processRows(client, target, rows, prepared);
    } finally {
      releaseNext();
    }
    if (timings) timings.hostMs += performance.now() - t;
    const abort = target.abortOnError ? results.find((r) => r.status === 'failed') : undefined;
    if (abort) {
      await client.query('ROLLBACK');
      return { completed: 0, failed: 0, partiallyFailed: 0, abortedAt: { rowNumber: abort.rowNumber, reason: abort.failureDetails ?? 'failed', cells: abort.cells } };
    }
    const tally = count(results);
    const lastRow = rows[rows.length - 1].rowNumber;
    t = performance.now();
    await copyResults(client, target.batchId, results);
    if (timings) timings.resultsMs += performance.now() - t;
    if (order) {
      const waitStarted = performance.now();
      await order.previousCommitted.catch(() => {
        throw new PreviousChunkNotCommittedError();
      });
      if (timings) timings.orderMs += performance.now() - waitStarted;
    }
    t = performance.now();
    const fenced = await client.query(
      `UPDATE imports.import_batch
          SET last_row = $3, count_completed = count_completed + $4, count_failed = count_failed + $5,
              count_partially_failed = count_partially_failed + $6
        WHERE id = $1 AND run_token = $2 AND last_row = $7`,
      [target.batchId, target.runToken, lastRow, tally.completed, tally.failed, tally.partiallyFailed, expectedLastRow],
    );
    if (fenced.rowCount !== 1) throw new StaleRunError(target.batchId);
    await target.reportProgress?.((sql, params) => client.query(sql, params).then((r) => r.rowCount ?? 0), lastRow);
    await client.query('COMMIT');
    if (timings) {
      timings.transactionMs += performance.now() - t;
      timings.chunks++;
    }
    return { ...tally, abortedAt: null };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * The retry variant: the rows are results in `retrying`; they are updated in place (and only
 * while still `retrying`, so a row is never retried twice).
 */
export async function rewriteChunk(client: PoolClient, target: ChunkTarget, rows: PreparedRow[]): Promise<ChunkOutcome> {
  await client.query('BEGIN');
  try {
    await lockBatch(client, target, null);
    const results = await processRows(client, target, rows, prepareRows(target, rows));
    const tally = count(results);
    const fenced = await client.query(
      `UPDATE imports.import_batch
          SET count_pending = count_pending - $3, count_completed = count_completed + $4, count_failed = count_failed + $5,
              count_partially_failed = count_partially_failed + $6
        WHERE id = $1 AND run_token = $2`,
      [target.batchId, target.runToken, rows.length, tally.completed, tally.failed, tally.partiallyFailed],
    );
    if (fenced.rowCount !== 1) throw new StaleRunError(target.batchId);
    const updated = await client.query(
      `UPDATE imports.import_result r
          SET status = u.status, reference_id = u.reference_id, failure_details = u.failure_details,
              source = CASE WHEN u.status = 'completed' THEN NULL ELSE r.source END
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(row_number, status, reference_id, failure_details)
        WHERE r.import_batch_id = $1 AND r.row_number = u.row_number AND r.status = 'retrying'`,
      [
        target.batchId,
        results.map((r) => r.rowNumber),
        results.map((r) => r.status),
        results.map((r) => r.referenceId),
        results.map((r) => r.failureDetails),
      ],
    );
    if (updated.rowCount !== rows.length) throw new StaleRunError(target.batchId);
    await client.query('COMMIT');
    return { ...tally, abortedAt: null };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Opens a chunk transaction, fenced, in ONE round trip: BEGIN, relaxed durability for this
 * transaction only (see below), and the token check: with the expected checkpoint under FOR UPDATE
 * (as `lockBatch`), or, for overlapping chunks (`expectedLastRow` null), under FOR KEY SHARE. The
 * values are inlined as escaped literals because a multi-statement query cannot take parameters.
 *
 * `synchronous_commit = off` for chunk transactions: COMMIT returns before the WAL is flushed, so a
 * crash of the Postgres server (not of the worker) may lose the last few chunk commits (at most
 * about 3 x wal_writer_delay). Exactly once still holds: a lost commit loses the chunk's host
 * writes, its results and its checkpoint together (one transaction), and the resumed run redoes it
 * from the checkpoint that survived. Nothing outside the database believes a chunk is done: the
 * batch's terminal state is written by `BatchState.finish/fail` in a synchronously committed
 * transaction, whose WAL flush also makes every earlier chunk durable (WAL is flushed in order).
 */
async function beginFenced(client: PoolClient, target: ChunkTarget, expectedLastRow: number | null): Promise<void> {
  if (expectedLastRow !== null && !Number.isSafeInteger(expectedLastRow)) throw new Error(`invalid checkpoint ${String(expectedLastRow)}`);
  const fence =
    expectedLastRow === null
      ? 'FOR KEY SHARE' // overlapping chunks: a token check that does not block the previous chunk's checkpoint
      : `AND last_row = ${expectedLastRow} FOR UPDATE`;
  let results: Array<{ rowCount: number | null }>;
  try {
    results = (await client.query(
      `BEGIN; SET LOCAL synchronous_commit = off;
       SELECT 1 FROM imports.import_batch
        WHERE id = ${client.escapeLiteral(target.batchId)} AND run_token = ${client.escapeLiteral(target.runToken)} ${fence}`,
    )) as unknown as Array<{ rowCount: number | null }>;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  if (results[2]?.rowCount !== 1) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new StaleRunError(target.batchId);
  }
}

/**
 * First statement of every chunk transaction: lock the batch row if, and only if, this run still
 * owns it (and, for a file pass, the checkpoint is where this run expects it). A concurrent run
 * waits here; a stale one finds the token changed and stops before the host writes anything.
 */
async function lockBatch(client: PoolClient, target: ChunkTarget, expectedLastRow: number | null): Promise<void> {
  const res = await client.query(
    `SELECT 1 FROM imports.import_batch WHERE id = $1 AND run_token = $2 AND ($3::int IS NULL OR last_row = $3) FOR UPDATE`,
    [target.batchId, target.runToken, expectedLastRow],
  );
  if (res.rowCount !== 1) throw new StaleRunError(target.batchId);
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

async function processRows(client: PoolClient, target: ChunkTarget, rows: PreparedRow[], { valid, prepared }: Prepared): Promise<FinalResult[]> {
  let outcomes: ImportRowOutcome[] = [];
  if (valid.length) {
    if (target.dryRun) await client.query('SAVEPOINT porter_dry_run');
    outcomes = await target.processor.process(valid, {
      principal: target.principal,
      unitOfWork: new PgImportUnitOfWork(client),
      importRecordId: target.recordId,
      importBatchId: target.batchId,
      dryRun: target.dryRun,
      prepared,
    });
    if (target.dryRun) await client.query('ROLLBACK TO SAVEPOINT porter_dry_run');
    if (!Array.isArray(outcomes) || outcomes.length !== valid.length) {
      throw new Error(`the import processor returned ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes for ${valid.length} rows`);
    }
  }
  const results: FinalResult[] = [];
  let k = 0;
  for (const row of rows) {
    if (row.values === null) {
      results.push({ rowNumber: row.rowNumber, status: 'failed', referenceId: null, failureDetails: row.failure, cells: row.cells });
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

function count(results: FinalResult[]) {
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

/** Results in bulk through COPY; the source cells are kept only for rows that did not complete. */
export async function copyResults(client: PoolClient, batchId: string, results: FinalResult[]): Promise<void> {
  if (!results.length) return;
  const out = new CopyBuffer(results.length * 96);
  const batch = `${copyValue(batchId)}\t`;
  for (const r of results) {
    out.raw(batch);
    out.uint(r.rowNumber);
    out.byte(TAB);
    out.uuid();
    out.byte(TAB);
    out.raw(r.status);
    out.byte(TAB);
    out.value(r.referenceId);
    out.byte(TAB);
    out.value(r.failureDetails);
    out.byte(TAB);
    if (r.status === 'completed') out.raw('\\N');
    else out.value(jsonbText(r.cells.map(encodeStoredCell)));
    out.byte(LF);
  }
  const copy = client.query(
    copyFrom(`COPY imports.import_result (import_batch_id, row_number, id, status, reference_id, failure_details, source) FROM STDIN`),
  );
  await pipeline(Readable.from([out.view()]), copy);
}

const TAB = 0x09;
const LF = 0x0a;

export type { FinalResult };

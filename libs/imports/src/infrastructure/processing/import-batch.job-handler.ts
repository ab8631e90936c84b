import { Inject, Injectable } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { FILE_STORAGE, FileStorage, PG_POOL } from '@porter/platform';
import { JobContext, JobHandler, JobHandlerFor, NonRetryableJobError } from '@porter/job-queue';
import { IMPORT_FILE_READERS, ImportFileReaders, ReadOptions, RowReader, SourceFile, SourceRow } from '../../application/ports/import-file-reader.port';
import { IMPORT_TYPE_CATALOG, ImportTypeCatalog } from '../../application/ports/import-type-catalog.port';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { ColumnMapping, validateHeader } from '../../domain/header-validation';
import { IMPORT_BATCH_JOB_TYPE, ImportBatchJobPayload } from '../../domain/import-batch-job';
import { DEFAULT_IMPORT_LIMITS } from '../../domain/import-limits';
import { validateRow } from '../../domain/row-validator';
import { decodeStoredCell } from '../../domain/stored-cell';
import type { ImportTypeDefinition } from '../../public/dependencies/import-processor.dependency';
import { BatchState, ClaimedBatch } from './batch-state';
import {
  ChunkOutcome,
  ChunkTarget,
  copyResults,
  PreparedRow,
  PreviousChunkNotCommittedError,
  rewriteChunk,
  RunTimings,
  StaleRunError,
  writeChunk,
} from './chunk-writer';

export const IMPORT_LIMITS = Symbol('IMPORT_LIMITS');

/**
 * Processes one batch: structural pass over the whole file (nothing is written before it and
 * the header check succeed), then rows in chunks, each chunk ONE transaction with the host's
 * writes, the results and the fenced checkpoint. Parsing of the next chunk overlaps the
 * current chunk's transaction. A resumed run (retry, stall recovery, a second worker after a
 * crash) skips the rows up to the committed checkpoint: every row exactly once.
 */
@Injectable()
@JobHandlerFor(IMPORT_BATCH_JOB_TYPE, { maxAttempts: 5, backoffMs: 1000 })
export class ImportBatchJobHandler implements JobHandler {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(IMPORT_TYPE_CATALOG) private readonly catalog: ImportTypeCatalog,
    @Inject(IMPORT_FILE_READERS) private readonly readers: ImportFileReaders,
    private readonly state: BatchState,
  ) {}

  async run(context: JobContext): Promise<void> {
    const payload = context.payload as unknown as ImportBatchJobPayload;
    const batch = await this.state.claim(payload.importBatchId, context.principal.tenant, context.runToken);
    if (!batch) throw new NonRetryableJobError(`import batch ${payload.importBatchId} does not exist`);
    if (['completed', 'partially_failed', 'failed'].includes(batch.status)) {
      context.logger.log('import batch already finished; nothing to do', { batchId: batch.id, status: batch.status });
      return;
    }
    const definition = this.catalog.find(batch.type);
    const processor = this.catalog.processor(batch.type);
    if (!definition || !processor) {
      const reason = `import type "${batch.type}" is not registered in this worker`;
      await this.state.fail(batch, context.runToken, reason);
      throw new NonRetryableJobError(reason);
    }
    const target: ChunkTarget = {
      recordId: batch.importRecordId,
      batchId: batch.id,
      runToken: context.runToken,
      principal: context.principal,
      dryRun: batch.dryRun,
      abortOnError: batch.onError === 'abort',
      processor,
    };
    try {
      if (payload.mode === 'retry') await this.retryRows(context, batch, definition, target);
      else if (payload.mode === 'resume') {
        // A batch that ended before the end of its file: its failed rows, then the rest of the
        // file from the checkpoint, going on past failures (see RetryFailedRowsHandler).
        await this.retryRows(context, batch, definition, target, false);
        await this.processFile(context, batch, definition, { ...target, abortOnError: false });
      } else await this.processFile(context, batch, definition, target);
    } catch (error) {
      if (error instanceof FileRejectedError) {
        // The file cannot be read at all: the batch fails with the reason, and so does its job
        // (a job that "succeeded" at importing nothing would hide it from job lists and alerts).
        // Running again would read the same bytes: no retry.
        await this.state.fail(batch, context.runToken, error.message);
        context.setOutputInformation({ importBatchId: batch.id, status: 'failed', errorDetails: error.message });
        throw new NonRetryableJobError(`the file was refused: ${error.message}`);
      }
      if (error instanceof StaleRunError) throw new NonRetryableJobError(error.message);
      throw error;
    }
  }

  private source(batch: ClaimedBatch): SourceFile {
    return { sizeBytes: batch.sizeBytes, open: (range) => this.storage.get(batch.storageKey, range) };
  }

  private open(batch: ClaimedBatch, definition: ImportTypeDefinition, skipRows: number): Promise<RowReader> {
    return this.readers[batch.format].open(this.source(batch), readOptions(batch, definition), skipRows);
  }

  private async processFile(context: JobContext, batch: ClaimedBatch, definition: ImportTypeDefinition, target: ChunkTarget): Promise<void> {
    let rowsInFile = batch.rowsInFile;
    const timings = new RunTimings();
    target.timings = timings;
    const scanStarted = performance.now();
    // Structural pass over the WHOLE file before any write (not again when a run resumes).
    if (batch.header === null) rowsInFile = (await this.readers[batch.format].scan(this.source(batch), readOptions(batch, definition))).dataRows;
    timings.scanMs = performance.now() - scanStarted;
    const reader = await this.open(batch, definition, batch.lastRow);
    try {
      const mapping = validateHeader(reader.header, definition, headerOverride(batch));
      if (batch.header === null) {
        if (!rowsInFile) throw new FileRejectedError('the file has a header row but no data rows');
        if (target.abortOnError) {
          const bad = await this.firstInvalidRow(batch, definition, mapping);
          if (bad) {
            await this.abort(batch, target, mapping.header, bad, `row ${bad.rowNumber} is invalid: ${bad.failure}`, rowsInFile);
            context.setOutputInformation({ importBatchId: batch.id, status: 'failed', aborted: true, rowNumber: bad.rowNumber });
            return;
          }
        }
        await this.state.saveScan(batch.id, context.runToken, mapping, rowsInFile);
      }
      const total = rowsInFile ?? 0;
      // Progress is written in each chunk's transaction: it is exactly the committed rows.
      target = { ...target, reportProgress: (execute, committed) => context.progressWith(execute, committed, total) };
      await context.progress(batch.lastRow, total);
      const chunkSize = definition.chunkSize;
      const excelSerialDates = batch.format === 'xlsx';
      // Two chunk transactions overlap on two connections (ADR 036): while chunk N copies its
      // results and commits, chunk N+1 already writes its host rows. One connection (one chunk
      // at a time) when the pool has none to spare.
      const clients = await this.chunkClients();
      let lastRow = batch.lastRow;
      let aborted: ChunkOutcome['abortedAt'] = null;
      const inflight: Array<{ outcome: Promise<ChunkOutcome>; hostDone: Promise<void>; last: number }> = [];
      let sent = 0;
      /** Waits for the oldest chunk in flight: its commit moves the checkpoint, in file order. */
      const settleOldest = async () => {
        const oldest = inflight[0];
        const waitStarted = performance.now();
        let outcome: ChunkOutcome;
        try {
          outcome = await oldest.outcome;
        } finally {
          timings.waitMs += performance.now() - waitStarted;
        }
        inflight.shift();
        if (outcome.abortedAt) {
          aborted = outcome.abortedAt;
          return;
        }
        lastRow = oldest.last;
      };
      try {
        let chunk: PreparedRow[] = [];
        const flush = async () => {
          if (inflight.length >= clients.length) await settleOldest();
          if (aborted || !chunk.length) return;
          this.checkSignal(context);
          const rows = chunk;
          chunk = [];
          const previous = inflight[inflight.length - 1];
          let hostDone!: () => void;
          const hostDonePromise = new Promise<void>((resolve) => (hostDone = resolve));
          const previousCommitted = previous
            ? previous.outcome.then((o) => {
                if (o.abortedAt) throw new PreviousChunkNotCommittedError();
              })
            : Promise.resolve();
          previousCommitted.catch(() => undefined);
          const outcome = writeChunk(clients[sent++ % clients.length], target, rows, previous ? previous.last : lastRow, {
            previousHostDone: previous ? previous.hostDone : Promise.resolve(),
            previousCommitted,
            hostDone,
          });
          outcome.catch(() => undefined);
          inflight.push({ outcome, hostDone: hostDonePromise, last: rows[rows.length - 1].rowNumber });
        };
        const loopStarted = performance.now();
        for await (const batch of reader.batches ?? singles(reader.rows)) {
          for (const row of batch) {
            chunk.push(prepare(row, mapping, excelSerialDates));
            if (chunk.length >= chunkSize) {
              await flush();
              if (aborted) break;
            }
          }
          if (aborted) break;
        }
        if (!aborted) await flush();
        while (inflight.length && !aborted) await settleOldest();
        timings.parseMs = performance.now() - loopStarted - timings.waitMs;
      } finally {
        // Chunks still in flight (after an error or an abort: they roll back) must finish
        // before their connections go back to the pool.
        await Promise.allSettled(inflight.map((f) => f.outcome));
        for (const client of clients) client.release();
      }
      if (aborted) {
        const a = aborted as NonNullable<ChunkOutcome['abortedAt']>;
        await this.abort(batch, target, mapping.header, { rowNumber: a.rowNumber, cells: a.cells, failure: a.reason }, `row ${a.rowNumber} failed: ${a.reason}`, null);
        context.setOutputInformation({ importBatchId: batch.id, status: 'failed', aborted: true, rowNumber: a.rowNumber });
        return;
      }
      const status = await this.state.finish(batch, context.runToken);
      context.logger.log('import batch processed', { batchId: batch.id, status, rows: lastRow, timings: timings.toJSON() });
      context.setOutputInformation({ importBatchId: batch.id, status, rows: lastRow });
    } finally {
      await reader.close();
    }
  }

  /** onError "abort", validation pass: the first row that fails validation, if any. */
  private async firstInvalidRow(batch: ClaimedBatch, definition: ImportTypeDefinition, mapping: ColumnMapping) {
    const reader = await this.open(batch, definition, 0);
    try {
      for await (const row of reader.rows) {
        const prepared = prepare(row, mapping, batch.format === 'xlsx');
        if (prepared.failure !== null) return { rowNumber: prepared.rowNumber, cells: prepared.cells, failure: prepared.failure };
      }
      return null;
    } finally {
      await reader.close();
    }
  }

  /**
   * onError "abort": the batch fails at the bad row. Its result is recorded (failed, with the
   * reason); no row after it is processed and the chunk holding it wrote nothing. Chunks
   * committed before it stay: they were valid, and their results say so.
   */
  private async abort(
    batch: ClaimedBatch,
    target: ChunkTarget,
    header: string[],
    bad: { rowNumber: number; cells: unknown[]; failure: string },
    reason: string,
    rowsInFile: number | null,
  ): Promise<void> {
    await this.state.fail(batch, target.runToken, `aborted (onError "abort"): ${reason}`, true, async (c) => {
      await c.query(
        `UPDATE imports.import_batch SET header = COALESCE(header, $2::jsonb), rows_in_file = COALESCE(rows_in_file, $3), count_failed = count_failed + 1 WHERE id = $1`,
        [batch.id, JSON.stringify(header), rowsInFile],
      );
      await copyResults(c, batch.id, [{ rowNumber: bad.rowNumber, status: 'failed', referenceId: null, failureDetails: bad.failure, cells: bad.cells }]);
    });
  }

  /**
   * RetryFailedRowsCommand: the `retrying` results, re-validated from their stored cells, in
   * chunks; then the batch finishes, unless `finish` is false (a resume reads the file next).
   */
  private async retryRows(context: JobContext, batch: ClaimedBatch, definition: ImportTypeDefinition, target: ChunkTarget, finish = true): Promise<void> {
    if (!batch.header) throw new FileRejectedError('the batch has no header to retry rows against');
    const mapping = validateHeader(batch.header, definition, headerOverride(batch));
    const retryTarget = { ...target, abortOnError: false };
    const total = batch.countPending;
    let done = 0;
    const client = await this.pool.connect();
    try {
      let after = 0;
      while (true) {
        this.checkSignal(context);
        const { rows } = await client.query<{ row_number: number; source: unknown[] | null }>(
          `SELECT row_number, source FROM imports.import_result
            WHERE import_batch_id = $1 AND status = 'retrying' AND row_number > $2 ORDER BY row_number LIMIT $3`,
          [batch.id, after, definition.chunkSize],
        );
        if (!rows.length) break;
        const prepared = rows.map((r) => prepare({ rowNumber: r.row_number, cells: (r.source ?? []).map(decodeStoredCell) }, mapping, batch.format === 'xlsx'));
        await rewriteChunk(client, retryTarget, prepared);
        after = rows[rows.length - 1].row_number;
        done += rows.length;
        await context.progress(done, total);
      }
    } finally {
      client.release();
    }
    if (!finish) return;
    const status = await this.state.finish(batch, context.runToken);
    context.setOutputInformation({ importBatchId: batch.id, status, retried: done });
  }

  /**
   * Connections for a batch's chunk transactions: two, so that chunks overlap, unless the pool
   * is already at its limit (then one: a worker running many imports never waits on itself).
   */
  private async chunkClients(): Promise<PoolClient[]> {
    const first = await this.pool.connect();
    const max = (this.pool as Pool & { options: { max?: number } }).options.max ?? 10;
    if (this.pool.idleCount === 0 && this.pool.totalCount >= max) return [first];
    try {
      return [first, await this.pool.connect()];
    } catch (error) {
      first.release();
      throw error;
    }
  }

  private checkSignal(context: JobContext): void {
    if (context.signal.aborted) {
      // Stop between chunks: everything committed so far stays, a later run resumes after it.
      throw new Error(`import batch run interrupted (${String(context.signal.reason ?? 'aborted')}) after a committed chunk`);
    }
  }
}

async function* singles(rows: AsyncIterable<SourceRow>): AsyncGenerator<SourceRow[]> {
  for await (const row of rows) yield [row];
}

function prepare(row: SourceRow, mapping: ColumnMapping, excelSerialDates: boolean): PreparedRow {
  if (row.failure !== undefined) return { rowNumber: row.rowNumber, cells: row.cells, values: null, failure: row.failure };
  const v = validateRow(row.cells as never[], mapping, { excelSerialDates });
  return v.ok
    ? { rowNumber: row.rowNumber, cells: row.cells, values: v.values, failure: null }
    : { rowNumber: row.rowNumber, cells: row.cells, values: null, failure: v.failure };
}

export { DEFAULT_IMPORT_LIMITS };

const readOptions = (batch: ClaimedBatch, definition: ImportTypeDefinition): ReadOptions => ({ sheet: batch.sheet, definition, mapping: batch.mapping });

/**
 * The upload's mapping applies to a file's header. A JSONL reader's header is already the type's
 * columns (its keys were placed by the mapping), so nothing more applies.
 */
const headerOverride = (batch: ClaimedBatch) => (batch.format === 'jsonl' ? null : batch.mapping);

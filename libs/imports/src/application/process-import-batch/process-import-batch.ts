import { Inject, Injectable } from '@nestjs/common';
import { NonRetryableJobError, RejectedJobInputError } from '@porter/job-queue';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { ColumnMapping, fileColumnMapping, validateHeader } from '../../domain/header-validation';
import { prepareRow, validationOptionsFor } from '../../domain/prepared-row';
import { StaleRunError } from '../../domain/stale-run.error';
import type { ImportTypeDefinition } from '../../public/dependencies/import-processor.dependency';
import { ImportBatchStatus, TERMINAL_IMPORT_BATCH_STATUSES } from '../../public/enums/import-batch-status';
import type { ImportBatchRun } from '../ports/import-batch-run.port';
import { ClaimedBatch, IMPORT_BATCH_STORE, ImportBatchStore } from '../ports/import-batch-store.port';
import { IMPORT_FILE_READERS, ImportFileReaders, ReadOptions, SourceFile, SourceRow } from '../ports/import-file-reader.port';
import { UPLOAD_STORE, UploadStore } from '../ports/upload-store.port';
import { IMPORT_TYPE_CATALOG, ImportTypeCatalog } from '../ports/import-type-catalog.port';
import { ChunkPipeline } from './chunk-pipeline';
import { ChunkTarget, rewriteChunk } from './chunk-transaction';
import { RunTimings } from './run-timings';

/** A row that fails its batch (onError "abort"). */
interface BadRow {
  rowNumber: number;
  cells: unknown[];
  failure: string;
  final?: true;
  /** A JSONL file's keys read up to the row (RowReader.columnMapping). */
  columnMapping?: Record<string, string | null>;
}

/**
 * Processes one batch (the `import-batch` job): structural pass over the whole file (nothing is
 * written before it and the header check succeed), then rows in chunks, each chunk ONE
 * transaction with the host's writes, the results and the fenced checkpoint. Parsing of the next
 * chunk overlaps the current chunk's transaction. A resumed run (retry, stall recovery, a second
 * worker after a crash) skips the rows up to the committed checkpoint: every row exactly once.
 */
@Injectable()
export class ProcessImportBatch {
  constructor(
    @Inject(IMPORT_BATCH_STORE) private readonly store: ImportBatchStore,
    @Inject(IMPORT_FILE_READERS) private readonly readers: ImportFileReaders,
    @Inject(IMPORT_TYPE_CATALOG) private readonly catalog: ImportTypeCatalog,
    @Inject(UPLOAD_STORE) private readonly uploads: UploadStore,
  ) {}

  async run(run: ImportBatchRun): Promise<void> {
    const batch = await this.store.claim(run.batchId, run.principal.tenant, run.runToken);
    if (!batch) throw new NonRetryableJobError(`import batch ${run.batchId} does not exist`);
    if (TERMINAL_IMPORT_BATCH_STATUSES.includes(batch.status as ImportBatchStatus)) {
      // A run of a batch that has ended: its job run again after the batch's end was committed
      // (a worker that died in between), or retried by hand. A batch that got through its file
      // stays the success it was; a failed one fails this run too, with its reason and what to
      // do instead: a job that "succeeded" here would import nothing and say it had.
      if (batch.status !== ImportBatchStatus.Failed) {
        run.log('import batch already finished; nothing to do', { batchId: batch.id, status: batch.status });
        // What the run that finished it reported (a run aborted for shutdown is released even when
        // it got to the end, and then run again: ADR 014).
        run.output({ importBatchId: batch.id, importRecordId: batch.importRecordId, status: batch.status, rows: batch.lastRow });
        return;
      }
      throw new NonRetryableJobError(endedBatchMessage(batch));
    }
    const definition = this.catalog.find(batch.type);
    const processor = this.catalog.processor(batch.type);
    if (!definition || !processor) {
      const reason = `import type "${batch.type}" is not registered in this worker`;
      await this.store.fail(batch, run.runToken, reason);
      throw new NonRetryableJobError(reason);
    }
    const target: ChunkTarget = {
      recordId: batch.importRecordId,
      batchId: batch.id,
      runToken: run.runToken,
      principal: run.principal,
      dryRun: batch.dryRun,
      abortOnError: batch.onError === 'abort',
      processor,
    };
    try {
      if (run.mode === 'retry') await this.retryRows(run, batch, definition, target);
      else if (run.mode === 'resume') {
        // A batch that ended before the end of its file: its failed rows, then the rest of the
        // file from the checkpoint, going on past failures (see RetryFailedRowsHandler).
        await this.retryRows(run, batch, definition, target, false);
        await this.processFile(run, batch, definition, { ...target, abortOnError: false });
      } else await this.processFile(run, batch, definition, target);
    } catch (error) {
      if (error instanceof FileRejectedError) {
        // The file cannot be read at all: the batch fails with the reason, and so does its job
        // (a job that "succeeded" at importing nothing would hide it from job lists and alerts).
        // Running again would read the same bytes: no retry.
        await this.store.fail(batch, run.runToken, error.message);
        run.output({ importBatchId: batch.id, importRecordId: batch.importRecordId, status: 'failed', errorDetails: error.message });
        throw new RejectedJobInputError(`the file was refused: ${error.message}`);
      }
      if (error instanceof StaleRunError) throw new NonRetryableJobError(error.message);
      throw error;
    }
  }

  private async processFile(run: ImportBatchRun, batch: ClaimedBatch, definition: ImportTypeDefinition, target: ChunkTarget): Promise<void> {
    const reader = this.readers[batch.format];
    const file = this.source(batch);
    const options = readOptions(batch, definition);
    let rowsInFile = batch.rowsInFile;
    const timings = new RunTimings();
    const scanStarted = performance.now();
    // Structural pass over the WHOLE file before any write (not again when a run resumes).
    if (batch.header === null) rowsInFile = (await reader.scan(file, options)).dataRows;
    timings.scanMs = performance.now() - scanStarted;
    const rows = await reader.open(file, options, batch.lastRow);
    try {
      const mapping = validateHeader(rows.header, definition, headerOverride(batch));
      if (batch.header === null) {
        if (!rowsInFile) throw new FileRejectedError('the file has a header row but no data rows');
        if (target.abortOnError) {
          const bad = await this.firstInvalidRow(batch, file, options, mapping);
          if (bad) {
            const columns = bad.columnMapping ?? fileColumnMapping(mapping);
            await this.abort(run, batch, mapping.header, bad, `row ${bad.rowNumber} is invalid: ${bad.failure}`, rowsInFile, columns);
            run.output({ importBatchId: batch.id, importRecordId: batch.importRecordId, status: 'failed', aborted: true, rowNumber: bad.rowNumber });
            return;
          }
        }
        // A JSONL file's column mapping is its lines' keys: known once they have been read (finish, abort).
        await this.store.saveScan(batch.id, run.runToken, mapping.header, rowsInFile, rows.columnMapping ? null : fileColumnMapping(mapping));
      }
      const total = rowsInFile ?? 0;
      // Progress is written in each chunk's transaction: it is exactly the committed rows.
      const chunks: ChunkTarget = { ...target, timings, reportProgress: (unitOfWork, committed) => run.progressWithin(unitOfWork, committed, total) };
      await run.progress(batch.lastRow, total);
      const validation = validationOptionsFor(batch.format);
      // Two chunk transactions overlap on two connections (ADR 036), or one when the pool has none to spare.
      const pipeline = new ChunkPipeline(await this.store.connections(2), chunks, definition.chunkSize, batch.lastRow, () => checkSignal(run), timings);
      try {
        const loopStarted = performance.now();
        for await (const some of rows.batches ?? singles(rows.rows)) {
          for (const row of some) {
            if (pipeline.push(prepareRow(row, mapping, validation))) {
              await pipeline.flush();
              if (pipeline.aborted) break;
            }
          }
          if (pipeline.aborted) break;
        }
        await pipeline.finish();
        timings.parseMs = performance.now() - loopStarted - timings.waitMs;
      } finally {
        await pipeline.close();
      }
      const aborted = pipeline.aborted;
      if (aborted) {
        const bad = { rowNumber: aborted.rowNumber, cells: aborted.cells, failure: aborted.reason };
        await this.abort(run, batch, mapping.header, bad, `row ${aborted.rowNumber} failed: ${aborted.reason}`, null, rows.columnMapping?.());
        run.output({ importBatchId: batch.id, importRecordId: batch.importRecordId, status: 'failed', aborted: true, rowNumber: aborted.rowNumber });
        return;
      }
      const status = await this.store.finish(batch, run.runToken, rows.columnMapping?.());
      run.log('import batch processed', { batchId: batch.id, status, rows: pipeline.lastRow, timings: timings.toJSON() });
      run.output({ importBatchId: batch.id, importRecordId: batch.importRecordId, status, rows: pipeline.lastRow });
    } finally {
      await rows.close();
    }
  }

  /** onError "abort", validation pass: the first row that fails validation, if any. */
  private async firstInvalidRow(batch: ClaimedBatch, file: SourceFile, options: ReadOptions, mapping: ColumnMapping): Promise<BadRow | null> {
    const rows = await this.readers[batch.format].open(file, options, 0);
    const validation = validationOptionsFor(batch.format);
    try {
      for await (const row of rows.rows) {
        const prepared = prepareRow(row, mapping, validation);
        if (prepared.failure !== null) {
          return { rowNumber: prepared.rowNumber, cells: prepared.cells, failure: prepared.failure, final: prepared.final, columnMapping: rows.columnMapping?.() };
        }
      }
      return null;
    } finally {
      await rows.close();
    }
  }

  /**
   * onError "abort": the batch fails at the bad row. Its result is recorded (failed, with the
   * reason); no row after it is processed and the chunk holding it wrote nothing. Chunks
   * committed before it stay: they were valid, and their results say so.
   */
  private abort(
    run: ImportBatchRun,
    batch: ClaimedBatch,
    header: string[],
    bad: BadRow,
    reason: string,
    rowsInFile: number | null,
    columnMapping?: Record<string, string | null>,
  ): Promise<void> {
    return this.store.abort(batch, run.runToken, `aborted (onError "abort"): ${reason}`, {
      header,
      rowsInFile,
      columnMapping,
      result: { rowNumber: bad.rowNumber, status: 'failed', referenceId: null, failureDetails: bad.failure, cells: bad.cells, ...(bad.final ? { final: true as const } : {}) },
    });
  }

  /**
   * RetryFailedRowsCommand: the `retrying` results, re-validated from their stored cells, in
   * chunks; then the batch finishes, unless `finish` is false (a resume reads the file next).
   */
  private async retryRows(run: ImportBatchRun, batch: ClaimedBatch, definition: ImportTypeDefinition, target: ChunkTarget, finish = true): Promise<void> {
    if (!batch.header) throw new FileRejectedError('the batch has no header to retry rows against');
    const mapping = validateHeader(batch.header, definition, headerOverride(batch));
    const retryTarget = { ...target, abortOnError: false };
    const total = batch.countPending;
    let done = 0;
    const [connection] = await this.store.connections(1);
    try {
      let after = 0;
      while (true) {
        checkSignal(run);
        const rows = await connection.retryingRows(batch.id, after, definition.chunkSize);
        if (!rows.length) break;
        await rewriteChunk(
          connection,
          retryTarget,
          rows.map((row) => prepareRow(row, mapping, validationOptionsFor(batch.format))),
        );
        after = rows[rows.length - 1].rowNumber;
        done += rows.length;
        await run.progress(done, total);
      }
    } finally {
      connection.release();
    }
    if (!finish) return;
    const status = await this.store.finish(batch, run.runToken);
    run.output({ importBatchId: batch.id, importRecordId: batch.importRecordId, status, retried: done });
  }

  private source(batch: ClaimedBatch): SourceFile {
    return this.uploads.source(batch);
  }
}

function checkSignal(run: ImportBatchRun): void {
  if (run.signal.aborted) {
    // Stop between chunks: everything committed so far stays, a later run resumes after it.
    throw new Error(`import batch run interrupted (${String(run.signal.reason ?? 'aborted')}) after a committed chunk`);
  }
}

async function* singles(rows: AsyncIterable<SourceRow>): AsyncGenerator<SourceRow[]> {
  for await (const row of rows) yield [row];
}

const readOptions = (batch: ClaimedBatch, definition: ImportTypeDefinition): ReadOptions => ({ sheet: batch.sheet, definition, mapping: batch.mapping });

/**
 * The upload's mapping applies to a file's header. A JSONL reader's header is already the type's
 * columns (its keys were placed by the mapping), so nothing more applies.
 */
const headerOverride = (batch: ClaimedBatch) => (batch.format === 'jsonl' ? null : batch.mapping);

/** Why running a failed batch's job again imports nothing, and what does. */
export function endedBatchMessage(batch: Pick<ClaimedBatch, 'id' | 'importRecordId' | 'errorDetails' | 'header' | 'endedByJob'>): string {
  const reason = batch.errorDetails ? ` (${batch.errorDetails})` : '';
  const refused = batch.header === null && !batch.endedByJob;
  const instead = refused
    ? 'the same file would be refused again: upload a corrected file instead'
    : `to import its remaining or failed rows, retry its failed rows: POST /api/v1/imports/${batch.importRecordId}/batches/${batch.id}/retry-failed-rows`;
  return `import batch ${batch.id} has already failed${reason}; running its job again imports nothing: ${instead}`;
}

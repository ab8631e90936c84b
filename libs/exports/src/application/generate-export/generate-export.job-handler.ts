import { Inject, Injectable } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { setTimeout as sleep } from 'timers/promises';
import { JobContext, JobFileWriter, JobHandler, JobHandlerFor, NonRetryableJobError } from '@porter/job-queue';
import { FILE_STORAGE, FileStorage, PORTER_CONFIG, PorterConfig, unavailableDependency } from '@porter/platform';
import { CLOCK, Clock, newId } from '@porter/shared-kernel';
import { compressedOutput, exportFileDetails, selectColumns } from './export-file-shape';
import type { ExportDataRequest } from '../../public/dependencies/export-data-source.dependency';
import { ExportOutcome, ExportStatus } from '../../public/enums/export-status';
import { ExportCompleted } from '../../public/events/export-completed.event';
import { ExportFailed } from '../../public/events/export-failed.event';
import { EXPORT_FILE_WRITER_FACTORY, ExportFileWriter, ExportFileWriterFactory } from '../ports/export-file-writer.port';
import { EXPORT_REPOSITORY, ExportRecord, ExportRepository } from '../ports/export-repository.port';
import { EXPORT_TYPE_CATALOG, ExportTypeCatalog } from '../ports/export-type-catalog.port';
import { EXPORT_JOB_TYPE } from '../request-export/request-export.handler';

/** Thrown when the run's signal fires; the job-queue decides what the job becomes (cancelled, retried). */
class ExportInterruptedError extends Error {
  constructor(readonly reason: string) {
    super(`export interrupted (${reason})`);
    this.name = 'ExportInterruptedError';
  }
}

/**
 * The export was cancelled or deleted while this run finished it: its file is discarded and the job
 * ends without a result (cancelled, when the job-queue was asked to cancel it; failed otherwise).
 */
export class ExportSupersededError extends NonRetryableJobError {
  constructor(exportId: string) {
    super(`export ${exportId} was cancelled or deleted while it finished; its file was discarded`);
    this.name = 'ExportSupersededError';
  }
}

/**
 * Runs one export: pulls the host's rows batch by batch, streams them through the format's
 * writer into a job output file (atomic: invisible until commit), reports progress per batch, and
 * records the result. Cancellation is checked between batches, so it takes effect within one
 * batch, and the uncommitted file is discarded. A crash leaves only an uncommitted temp file; the
 * retry writes the whole file again, so users never see a truncated one.
 */
@Injectable()
@JobHandlerFor(EXPORT_JOB_TYPE)
export class GenerateExportJobHandler implements JobHandler {
  constructor(
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(EXPORT_TYPE_CATALOG) private readonly types: ExportTypeCatalog,
    @Inject(EXPORT_FILE_WRITER_FACTORY) private readonly writers: ExportFileWriterFactory,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly eventBus: EventBus,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
  ) {}

  async run(context: JobContext): Promise<void> {
    const exportId = String(context.payload.exportId ?? '');
    const record = await this.exports.findById(exportId);
    if (!record) {
      // The request commits with its job; not seeing it yet means a replica lag or a race: retry.
      throw new Error(`export ${exportId} was not found`);
    }
    // A failed or cancelled export runs again when its job is retried (POST /jobs/{id}/retry).
    // A deleted one cannot: its job fails saying so (it "succeeded" having made nothing).
    if (record.deletedAt) throw new NonRetryableJobError(`export ${exportId} was deleted; there is nothing to run`);
    // A succeeded one has nothing left to do. Its job runs again when the run that made the file
    // finished just as a shutdown began (a run aborted for shutdown is released, ADR 014): the job
    // then reports the file that run made, as that run would have.
    if (record.status === ExportStatus.Succeeded) {
      const result = await this.exports.latestResult(record.id);
      if (result) context.setOutputInformation(outputInformation(record, result));
      context.logger.warn('export is already done; nothing to do', { exportId });
      return;
    }
    try {
      await this.generate(context, record);
    } catch (error) {
      // Superseded: the cancel or delete already recorded the export's final state.
      if (!(error instanceof ExportSupersededError)) await this.recordFailure(context, record, error as Error);
      throw error;
    }
  }

  private async generate(context: JobContext, record: ExportRecord): Promise<void> {
    const type = this.types.find(record.type);
    if (!type) throw new NonRetryableJobError(`export type "${record.type}" has no definition or data source in this worker`);
    const { definition, source } = type;
    if (!(await this.exports.markRunning(record.id))) {
      context.logger.warn('export is no longer runnable', { exportId: record.id });
      return;
    }
    const request: ExportDataRequest = {
      exportId: record.id,
      type: record.type,
      principal: context.principal,
      tenant: record.tenant,
      filters: record.filters,
      scopeIds: record.scopeIds,
      columns: selectColumns(definition.columns, record.columns),
      ids: record.ids,
      batchSize: this.config.exportBatchSize,
      signal: context.signal,
    };
    const { columns } = request;
    // The count (for progress) runs beside the rows rather than before them: it is a scan of its
    // own (~0.1 s at 1M rows), and the file does not need it. It is never waited for: a count that
    // fails, or has not answered when the file is done, is replaced by the rows written.
    let total: number | null = null;
    if (source.count) {
      void source.count(request).then(
        (n) => (total = n),
        (error: Error) => context.logger.warn('export row count failed; the progress total will be the rows written', { exportId: record.id, error: error.message }),
      );
    }
    await context.progress(0, null);

    const { contentType, fileName } = exportFileDetails(record);
    const file: JobFileWriter = context.writeFile(fileName, contentType);
    const output = compressedOutput(record.compression, file.stream);
    let writer: ExportFileWriter | null = null;
    let processed = 0;
    /** The total the last progress report carried. */
    let reported: number | null = null;
    try {
      writer = this.writers.create(record.format, output.stream, columns, {
        neutralizeFormulas: definition.neutralizeFormulas !== false,
        csvBom: this.config.exportCsvBom,
        sheetName: record.type,
      });
      this.throwIfInterrupted(context);
      await writer.writeHeader();
      const started = Date.now();
      // CSV and JSONL from a COPY source are written from its bytes, no value per field (ADR 074).
      // A throttled export (EXPORT_MAX_ROWS_PER_SECOND) reads rows in batches instead: a chunk of
      // bytes holds whatever the socket had buffered while the export waited (thousands of rows),
      // so its pace and its progress would move in jumps.
      if (source.copyText && writer.writeCopyText && !this.config.exportMaxRowsPerSecond) {
        for await (const chunk of source.copyText(request)) {
          this.throwIfInterrupted(context);
          processed += await writer.writeCopyText(chunk);
          await context.progress(processed, (reported = total));
        }
      } else {
        for await (const batch of source.rows(request)) {
          this.throwIfInterrupted(context);
          await writer.writeRows(batch);
          processed += batch.length;
          await context.progress(processed, (reported = total));
          await this.throttle(context, processed, started);
        }
      }
      this.throwIfInterrupted(context);
      await writer.finish();
      await output.finish();
      // Last look before the file becomes visible: a cancel seen here leaves no file at all.
      this.throwIfInterrupted(context);
    } catch (error) {
      writer?.abort();
      output.abort();
      // The run's error is the one to report: an abort that fails too (the store still
      // unreachable) leaves what it could not discard to the storage sweep.
      await file.abort().catch((abortError: Error) =>
        context.logger.warn('could not discard the unfinished export file', { exportId: record.id, error: abortError.message }),
      );
      throw error;
    }
    const stored = await file.commit();
    // The last report had no total (the count came in after it, failed, or is still running):
    // the file is complete, so the total is known now: the count's if it answered, else the rows written.
    if (reported === null) await context.progress(processed, total ?? processed);

    const processedAt = this.clock.now();
    const expiresAt = new Date(processedAt.getTime() + definition.retentionPeriodDays * 86_400_000);
    const outcome = processed === 0 ? ExportOutcome.Empty : ExportOutcome.Success;
    const resultId = newId();
    const completed = await this.exports.complete(
      record.id,
      {
        id: resultId,
        outcome,
        fileName,
        contentType,
        storageKey: stored.storageKey,
        sizeBytes: stored.sizeBytes,
        sha256: stored.sha256,
        itemsCount: processed,
        expiresAt,
      },
      processedAt,
    );
    if (!completed) {
      // A cancel or delete got in between the last check and here; it wins over this run.
      await this.storage.delete(stored.storageKey);
      context.logger.warn('export was cancelled or deleted while it finished; file discarded', { exportId: record.id });
      throw new ExportSupersededError(record.id);
    }
    context.logger.log('export written', { exportId: record.id, format: record.format, rows: processed, sizeBytes: stored.sizeBytes });
    context.setOutputInformation(
      outputInformation(record, { id: resultId, outcome, itemsCount: processed, fileName, sizeBytes: stored.sizeBytes, sha256: stored.sha256, expiresAt: expiresAt.toISOString() }),
    );
    this.eventBus.publish(
      new ExportCompleted(record.id, record.jobId, record.tenant, record.type, record.format, record.requestedBy, resultId, outcome, processed, fileName, expiresAt.toISOString()),
    );
  }

  private throwIfInterrupted(context: JobContext): void {
    if (context.signal.aborted) throw new ExportInterruptedError(String(context.signal.reason ?? 'aborted'));
  }

  /** EXPORT_MAX_ROWS_PER_SECOND: spreads a large export's load on the host database over time. */
  private async throttle(context: JobContext, processed: number, started: number): Promise<void> {
    const rate = this.config.exportMaxRowsPerSecond;
    if (!rate) return;
    const due = started + (processed / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal: context.signal }).catch(() => undefined);
  }

  private async recordFailure(context: JobContext, record: ExportRecord, error: Error): Promise<void> {
    const now = this.clock.now();
    if (error instanceof ExportInterruptedError || context.signal.aborted) {
      const reason = String(context.signal.reason ?? '');
      if (reason === 'cancelled') await this.exports.markCancelled(record.id, now);
      // Shutdown or a lost lock: the job-queue runs the job again; the export waits for it.
      else await this.exports.markRetrying(record.id, `interrupted (${reason || 'aborted'}); it will run again`);
      return;
    }
    // A dependency that was unreachable (the file store) does not use up an attempt: the job
    // engine runs the job again (ADR 091), and fails it, if ever, with JobFailed, which marks the
    // export failed then (ExportJobEventsHandler).
    const final = error instanceof NonRetryableJobError || (context.attempt >= context.maxAttempts && !unavailableDependency(error));
    if (!final) {
      await this.exports.markRetrying(record.id, error.message);
      return;
    }
    const failed = await this.exports.markFailed(record.id, error.message, now);
    if (failed) this.eventBus.publish(new ExportFailed(failed.id, failed.jobId, failed.tenant, failed.type, failed.requestedBy, error.message));
  }
}

/** What an export's job reports of the file it made (its `outputInformation`). */
function outputInformation(
  record: ExportRecord,
  result: { id: string; outcome: ExportOutcome; itemsCount: number; fileName: string; sizeBytes: number; sha256: string; expiresAt: string },
): Record<string, unknown> {
  return {
    exportId: record.id,
    resultId: result.id,
    outcome: result.outcome,
    itemsCount: result.itemsCount,
    // Requested keys that matched nothing the caller may see (absent, or outside its scopes).
    ...(record.ids ? { idsRequested: record.ids.length, idsNotExported: Math.max(0, record.ids.length - result.itemsCount) } : {}),
    fileName: result.fileName,
    sizeBytes: result.sizeBytes,
    sha256: result.sha256,
    expiresAt: result.expiresAt,
  };
}

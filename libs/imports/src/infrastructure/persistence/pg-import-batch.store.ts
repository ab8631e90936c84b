import { Inject, Injectable } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { Pool, PoolClient } from 'pg';
import { PG_POOL, withPgTransaction } from '@porter/platform';
import type { ChunkConnection, RowResult } from '../../application/ports/chunk-connection.port';
import type { AbortedRow, ClaimedBatch, ImportBatchStore } from '../../application/ports/import-batch-store.port';
import { deriveBatchStatus } from '../../domain/batch-status';
import { StaleRunError } from '../../domain/stale-run.error';
import { ImportBatchStatus } from '../../public/enums/import-batch-status';
import { ImportBatchCompleted, ImportRecordCompleted } from '../../public/events/import-events';
import { copyResults } from './import-results-copy';
import { PgChunkConnection } from './pg-chunk-connection';

/** The batch's state as the processing job changes it (ImportBatchStore), on the raw pool. */
@Injectable()
export class PgImportBatchStore implements ImportBatchStore {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly eventBus: EventBus,
  ) {}

  /**
   * A record is `started` once processing has started, not at upload: a batch may be scheduled
   * for later.
   */
  async claim(batchId: string, tenant: string, runToken: string): Promise<ClaimedBatch | null> {
    const { rows } = await this.pool.query(
      `UPDATE imports.import_batch b
          SET run_token = CASE WHEN b.status IN ('failed', 'partially_failed', 'completed') THEN b.run_token ELSE $3 END,
              status = CASE WHEN b.status = 'created' THEN 'started' ELSE b.status END,
              started_at = COALESCE(b.started_at, now())
         FROM imports.import_record r
        WHERE b.id = $1 AND b.tenant = $2 AND r.id = b.import_record_id
        RETURNING b.id, b.import_record_id, b.tenant, r.type, b.format, b.sheet, b.mapping, b.storage_key, b.size_bytes, b.status,
                  b.header, b.rows_in_file, b.last_row, b.count_pending, r.dry_run, r.on_error, b.error_details, b.run_token`,
      [batchId, tenant, runToken],
    );
    const r = rows[0];
    if (!r) return null;
    if (r.status === 'started') {
      await this.pool.query(`UPDATE imports.import_record SET status = 'started', updated_at = now() WHERE id = $1 AND status = 'created'`, [r.import_record_id]);
    }
    return {
      id: r.id,
      importRecordId: r.import_record_id,
      tenant: r.tenant,
      type: r.type,
      format: r.format,
      sheet: r.sheet,
      mapping: r.mapping,
      storageKey: r.storage_key,
      sizeBytes: Number(r.size_bytes),
      status: r.status,
      header: r.header,
      rowsInFile: r.rows_in_file,
      lastRow: r.last_row,
      countPending: r.count_pending,
      dryRun: r.dry_run,
      onError: r.on_error,
      errorDetails: r.error_details,
      endedByJob: r.status === 'failed' && r.run_token === null,
    };
  }

  async saveScan(batchId: string, runToken: string, header: string[], rowsInFile: number, columnMapping: Record<string, string | null> | null): Promise<void> {
    const res = await this.pool.query(
      `UPDATE imports.import_batch SET header = $3::jsonb, rows_in_file = $4, column_mapping = $5::jsonb WHERE id = $1 AND run_token = $2`,
      [batchId, runToken, JSON.stringify(header), rowsInFile, columnMapping && JSON.stringify(columnMapping)],
    );
    if (res.rowCount !== 1) throw new StaleRunError(batchId);
  }

  fail(batch: ClaimedBatch, runToken: string, reason: string): Promise<void> {
    return this.failRun(batch, runToken, reason, false);
  }

  abort(batch: ClaimedBatch, runToken: string, reason: string, bad: AbortedRow): Promise<void> {
    return this.failRun(batch, runToken, reason, true, async (c) => {
      await c.query(
        `UPDATE imports.import_batch SET header = COALESCE(header, $2::jsonb), rows_in_file = COALESCE(rows_in_file, $3), count_failed = count_failed + 1,
                column_mapping = COALESCE($4::jsonb, column_mapping)
          WHERE id = $1`,
        [batch.id, JSON.stringify(bad.header), bad.rowsInFile, bad.columnMapping ? JSON.stringify(bad.columnMapping) : null],
      );
      await copyResults(c, batch.id, [bad.result]);
    });
  }

  /**
   * Connections for a batch's chunk transactions: two, so that chunks overlap, unless the pool
   * is already at its limit (then one: a worker running many imports never waits on itself).
   */
  async connections(upTo: 1 | 2): Promise<ChunkConnection[]> {
    const first = await this.pool.connect();
    const max = (this.pool as Pool & { options: { max?: number } }).options.max ?? 10;
    if (upTo === 1 || (this.pool.idleCount === 0 && this.pool.totalCount >= max)) return [new PgChunkConnection(first)];
    try {
      return [new PgChunkConnection(first), new PgChunkConnection(await this.pool.connect())];
    } catch (error) {
      first.release();
      throw error;
    }
  }

  /**
   * The file as a whole is refused (or the batch aborted): failed, with the reason. Should that
   * happen during a retry or resume, the rows still `retrying` go back to `failed` and the counts
   * are recounted from the results, as when the job ends (failByJob): nothing is left waiting.
   */
  private async failRun(batch: ClaimedBatch, runToken: string, reason: string, aborted: boolean, alsoInTransaction?: (c: PoolClient) => Promise<void>): Promise<void> {
    const recordDone = await withPgTransaction(this.pool, async (c) => {
      const res = await c.query(
        `UPDATE imports.import_batch SET status = 'failed', error_details = $3, aborted = $4, completed_at = now()
          WHERE id = $1 AND run_token = $2`,
        [batch.id, runToken, reason.slice(0, 4000), aborted],
      );
      if (res.rowCount !== 1) throw new StaleRunError(batch.id);
      if (alsoInTransaction) await alsoInTransaction(c);
      const reverted = await c.query(`UPDATE imports.import_result SET status = 'failed' WHERE import_batch_id = $1 AND status = 'retrying'`, [batch.id]);
      if (reverted.rowCount) await this.recount(c, batch.id);
      return this.completeRecordIfDone(c, batch.importRecordId);
    });
    await this.publish(batch.id, recordDone);
  }

  /** The status is derived from the counts (the seed's rule). */
  async finish(batch: ClaimedBatch, runToken: string, columnMapping?: Record<string, string | null>): Promise<ImportBatchStatus> {
    const { status, recordDone } = await withPgTransaction(this.pool, async (c) => {
      const { rows } = await c.query(
        `SELECT count_completed, count_failed, count_partially_failed, count_pending FROM imports.import_batch
          WHERE id = $1 AND run_token = $2 FOR UPDATE`,
        [batch.id, runToken],
      );
      if (!rows[0]) throw new StaleRunError(batch.id);
      const status = deriveBatchStatus({
        pending: rows[0].count_pending,
        completed: rows[0].count_completed,
        partiallyFailed: rows[0].count_partially_failed,
        failed: rows[0].count_failed,
      });
      await c.query(`UPDATE imports.import_batch SET status = $2, completed_at = now(), column_mapping = COALESCE($3::jsonb, column_mapping) WHERE id = $1`, [
        batch.id,
        status,
        columnMapping ? JSON.stringify(columnMapping) : null,
      ]);
      return { status, recordDone: await this.completeRecordIfDone(c, batch.importRecordId) };
    });
    await this.publish(batch.id, recordDone);
    return status;
  }

  async failByJob(jobId: string, reason: string): Promise<void> {
    const done = await withPgTransaction(this.pool, async (c) => {
      const { rows } = await c.query(
        `SELECT id, import_record_id FROM imports.import_batch WHERE job_id = $1 AND status IN ('created', 'started') FOR UPDATE`,
        [jobId],
      );
      if (!rows[0]) return null;
      const batchId: string = rows[0].id;
      await c.query(`UPDATE imports.import_result SET status = 'failed' WHERE import_batch_id = $1 AND status = 'retrying'`, [batchId]);
      await c.query(`UPDATE imports.import_batch SET status = 'failed', error_details = $2, completed_at = now(), run_token = NULL WHERE id = $1`, [
        batchId,
        reason.slice(0, 4000),
      ]);
      await this.recount(c, batchId);
      return { batchId, recordDone: await this.completeRecordIfDone(c, rows[0].import_record_id) };
    });
    if (done) await this.publish(done.batchId, done.recordDone);
  }

  /** The counts of a batch that ended early, from its results: nothing is pending any more. */
  private async recount(c: PoolClient, batchId: string): Promise<void> {
    await c.query(
      `UPDATE imports.import_batch b
          SET count_completed = t.completed, count_failed = t.failed, count_partially_failed = t.partially_failed, count_pending = 0
         FROM (SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed,
                      count(*) FILTER (WHERE status = 'failed')::int AS failed,
                      count(*) FILTER (WHERE status = 'partially_failed')::int AS partially_failed
                 FROM imports.import_result WHERE import_batch_id = $1) t
        WHERE b.id = $1`,
      [batchId],
    );
  }

  /** Under the record's row lock: a finalised record whose batches are all terminal completes. */
  private async completeRecordIfDone(c: PoolClient, recordId: string): Promise<boolean> {
    const { rows } = await c.query(`SELECT status, finalized_at FROM imports.import_record WHERE id = $1 FOR UPDATE`, [recordId]);
    if (!rows[0] || rows[0].status === 'completed' || !rows[0].finalized_at) return false;
    const open = await c.query(
      `SELECT 1 FROM imports.import_batch WHERE import_record_id = $1 AND status NOT IN ('completed', 'partially_failed', 'failed') LIMIT 1`,
      [recordId],
    );
    if (open.rowCount) return false;
    await c.query(`UPDATE imports.import_record SET status = 'completed', completed_at = now(), updated_at = now(), completed_tx_id = pg_current_xact_id() WHERE id = $1`, [recordId]);
    return true;
  }

  private async publish(batchId: string, recordDone: boolean): Promise<void> {
    const { rows } = await this.pool.query(
      `SELECT b.import_record_id, b.tenant, r.type, b.status, b.count_completed, b.count_failed, b.count_partially_failed, b.count_pending,
              (SELECT count(*)::int FROM imports.import_batch x WHERE x.import_record_id = b.import_record_id) AS batch_count
         FROM imports.import_batch b JOIN imports.import_record r ON r.id = b.import_record_id WHERE b.id = $1`,
      [batchId],
    );
    const b = rows[0];
    if (!b) return;
    this.eventBus.publish(
      new ImportBatchCompleted(b.import_record_id, batchId, b.tenant, b.type, b.status as ImportBatchStatus, {
        total: b.count_completed + b.count_failed + b.count_partially_failed + b.count_pending,
        completed: b.count_completed,
        failed: b.count_failed,
        partiallyFailed: b.count_partially_failed,
        retrying: b.count_pending,
      }),
    );
    if (recordDone) this.eventBus.publish(new ImportRecordCompleted(b.import_record_id, b.tenant, b.type, b.batch_count));
  }
}

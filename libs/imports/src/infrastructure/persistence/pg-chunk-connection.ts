import type { PoolClient } from 'pg';
import type { ChunkConnection, ChunkTally, RetryingRow, RowResult, RunFence } from '../../application/ports/chunk-connection.port';
import { StaleRunError } from '../../domain/stale-run.error';
import { decodeStoredRow } from '../../domain/stored-cell';
import { copyResults } from './import-results-copy';
import { PgImportUnitOfWork } from './pg-import-unit-of-work';
import { STORED_ROWS_PAGE_CHARS, storedRowsPageSql } from './stored-rows-page';

/** The next rows to retry: at most `$3` rows, and within a budget of stored characters (`$4`). */
const RETRYING_ROWS_SQL = storedRowsPageSql('row_number, source', `import_batch_id = $1 AND status = 'retrying'`, { after: 2, limit: 3, budget: 4 });

/** The SQL of a chunk transaction's steps (see writeChunk, rewriteChunk), on one pooled connection. */
export class PgChunkConnection implements ChunkConnection {
  readonly unitOfWork: PgImportUnitOfWork;

  constructor(private readonly client: PoolClient) {
    this.unitOfWork = new PgImportUnitOfWork(client);
  }

  /**
   * BEGIN, relaxed durability for this transaction only (see below), and the token check in ONE
   * round trip: with the expected checkpoint under FOR UPDATE (as `beginRetry`), or, for
   * overlapping chunks (`expectedLastRow` null), under FOR KEY SHARE. The values are inlined as
   * escaped literals because a multi-statement query cannot take parameters.
   *
   * `synchronous_commit = off` for chunk transactions: COMMIT returns before the WAL is flushed, so
   * a crash of the Postgres server (not of the worker) may lose the last few chunk commits (at most
   * about 3 x wal_writer_delay). Exactly once still holds: a lost commit loses the chunk's host
   * writes, its results and its checkpoint together (one transaction), and the resumed run redoes
   * it from the checkpoint that survived. Nothing outside the database believes a chunk is done:
   * the batch's terminal state is written by the batch store's finish/fail in a synchronously
   * committed transaction, whose WAL flush also makes every earlier chunk durable (WAL is flushed
   * in order).
   */
  async begin(fence: RunFence, expectedLastRow: number | null): Promise<void> {
    if (expectedLastRow !== null && !Number.isSafeInteger(expectedLastRow)) throw new Error(`invalid checkpoint ${String(expectedLastRow)}`);
    const lock =
      expectedLastRow === null
        ? 'FOR KEY SHARE' // overlapping chunks: a token check that does not block the previous chunk's checkpoint
        : `AND last_row = ${expectedLastRow} FOR UPDATE`;
    let results: Array<{ rowCount: number | null }>;
    try {
      results = (await this.client.query(
        `BEGIN; SET LOCAL synchronous_commit = off;
       SELECT 1 FROM imports.import_batch
        WHERE id = ${this.client.escapeLiteral(fence.batchId)} AND run_token = ${this.client.escapeLiteral(fence.runToken)} ${lock}`,
      )) as unknown as Array<{ rowCount: number | null }>;
    } catch (error) {
      await this.rollback().catch(() => undefined);
      throw error;
    }
    if (results[2]?.rowCount !== 1) {
      await this.rollback().catch(() => undefined);
      throw new StaleRunError(fence.batchId);
    }
  }

  async retryingRows(batchId: string, afterRow: number, limit: number): Promise<RetryingRow[]> {
    const { rows } = await this.client.query<{ row_number: number; source: unknown[] | null }>({
      name: 'imports.retrying-rows.v2',
      text: RETRYING_ROWS_SQL,
      values: [batchId, afterRow, limit, STORED_ROWS_PAGE_CHARS],
    });
    return rows.map((r) => ({ rowNumber: r.row_number, ...decodeStoredRow(r.source ?? []) }));
  }

  /**
   * BEGIN, then the batch row locked if, and only if, this run still owns it: a concurrent run
   * waits here; a stale one finds the token changed and stops before the host writes anything.
   */
  async beginRetry(fence: RunFence): Promise<void> {
    await this.client.query('BEGIN');
    try {
      const res = await this.client.query(
        `SELECT 1 FROM imports.import_batch WHERE id = $1 AND run_token = $2 AND ($3::int IS NULL OR last_row = $3) FOR UPDATE`,
        [fence.batchId, fence.runToken, null],
      );
      if (res.rowCount !== 1) throw new StaleRunError(fence.batchId);
    } catch (error) {
      await this.rollback().catch(() => undefined);
      throw error;
    }
  }

  async discarding<T>(work: () => Promise<T>): Promise<T> {
    await this.client.query('SAVEPOINT porter_dry_run');
    const result = await work();
    await this.client.query('ROLLBACK TO SAVEPOINT porter_dry_run');
    return result;
  }

  addResults(batchId: string, results: readonly RowResult[]): Promise<void> {
    return copyResults(this.client, batchId, results);
  }

  async checkpoint(fence: RunFence, expectedLastRow: number, lastRow: number, tally: ChunkTally): Promise<void> {
    const fenced = await this.client.query(
      `UPDATE imports.import_batch
          SET last_row = $3, count_completed = count_completed + $4, count_failed = count_failed + $5,
              count_partially_failed = count_partially_failed + $6
        WHERE id = $1 AND run_token = $2 AND last_row = $7`,
      [fence.batchId, fence.runToken, lastRow, tally.completed, tally.failed, tally.partiallyFailed, expectedLastRow],
    );
    if (fenced.rowCount !== 1) throw new StaleRunError(fence.batchId);
  }

  async rewriteResults(fence: RunFence, results: readonly RowResult[], tally: ChunkTally): Promise<void> {
    const fenced = await this.client.query(
      `UPDATE imports.import_batch
          SET count_pending = count_pending - $3, count_completed = count_completed + $4, count_failed = count_failed + $5,
              count_partially_failed = count_partially_failed + $6
        WHERE id = $1 AND run_token = $2`,
      [fence.batchId, fence.runToken, results.length, tally.completed, tally.failed, tally.partiallyFailed],
    );
    if (fenced.rowCount !== 1) throw new StaleRunError(fence.batchId);
    const updated = await this.client.query(
      `UPDATE imports.import_result r
          SET status = u.status, reference_id = u.reference_id, failure_details = u.failure_details,
              source = CASE WHEN u.status = 'completed' THEN NULL ELSE r.source END
         FROM unnest($2::int[], $3::text[], $4::text[], $5::text[]) AS u(row_number, status, reference_id, failure_details)
        WHERE r.import_batch_id = $1 AND r.row_number = u.row_number AND r.status = 'retrying'`,
      [
        fence.batchId,
        results.map((r) => r.rowNumber),
        results.map((r) => r.status),
        results.map((r) => r.referenceId),
        results.map((r) => r.failureDetails),
      ],
    );
    if (updated.rowCount !== results.length) throw new StaleRunError(fence.batchId);
  }

  async commit(): Promise<void> {
    await this.client.query('COMMIT');
  }

  async rollback(): Promise<void> {
    await this.client.query('ROLLBACK');
  }

  release(): void {
    this.client.release();
  }
}

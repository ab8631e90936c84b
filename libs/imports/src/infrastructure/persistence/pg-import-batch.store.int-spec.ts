import { randomUUID } from 'crypto';
import type { EventBus } from '@nestjs/cqrs';
import { Pool } from 'pg';
import type { ClaimedBatch } from '../../application/ports/import-batch-store.port';
import { PgImportBatchStore } from './pg-import-batch.store';

/** The batch store's fail against real Postgres: a file refused during a retry or resume. */
describe('PgImportBatchStore.fail during a retry', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  const published: unknown[] = [];
  const state = new PgImportBatchStore(pool, { publish: (event: unknown) => void published.push(event) } as unknown as EventBus);
  afterAll(() => pool.end());

  it('puts the rows left `retrying` back to `failed` and recounts, so the batch can be retried again', async () => {
    const tenant = `t-${randomUUID()}`;
    const recordId = randomUUID();
    const batchId = randomUUID();
    const runToken = randomUUID();
    await pool.query(`INSERT INTO imports.import_record (id, tenant, created_by, type, source_name, finalized_at) VALUES ($1, $2, 'u', 'employees', 's', now())`, [
      recordId,
      tenant,
    ]);
    // As RetryFailedRowsCommand leaves it: two failed rows now `retrying` and counted as pending.
    await pool.query(
      `INSERT INTO imports.import_batch (id, import_record_id, tenant, format, storage_key, size_bytes, sha256, status, job_id, run_token, header, rows_in_file, last_row,
                                         count_completed, count_failed, count_pending)
       VALUES ($1, $2, $3, 'csv', 'k', 1, $4, 'started', $5, $6, '["email"]', 3, 3, 1, 0, 2)`,
      [batchId, recordId, tenant, randomUUID(), randomUUID(), runToken],
    );
    await pool.query(
      `INSERT INTO imports.import_result (import_batch_id, row_number, status, reference_id, failure_details, source) VALUES
         ($1, 1, 'completed', 'r1', NULL, NULL), ($1, 2, 'retrying', NULL, 'bad', '["x"]'), ($1, 3, 'retrying', NULL, 'bad', '["y"]')`,
      [batchId],
    );
    const batch = { id: batchId, importRecordId: recordId, tenant } as ClaimedBatch;

    await state.fail(batch, runToken, 'the stored file is gone');

    const results = await pool.query('SELECT row_number, status FROM imports.import_result WHERE import_batch_id = $1 ORDER BY row_number', [batchId]);
    expect(results.rows).toEqual([
      { row_number: 1, status: 'completed' },
      { row_number: 2, status: 'failed' },
      { row_number: 3, status: 'failed' },
    ]);
    const after = await pool.query('SELECT status, error_details, count_completed, count_failed, count_partially_failed, count_pending FROM imports.import_batch WHERE id = $1', [batchId]);
    expect(after.rows[0]).toEqual({
      status: 'failed',
      error_details: 'the stored file is gone',
      count_completed: 1,
      count_failed: 2,
      count_partially_failed: 0,
      count_pending: 0,
    });
    expect((await pool.query('SELECT status FROM imports.import_record WHERE id = $1', [recordId])).rows[0].status).toBe('completed');
  });
});

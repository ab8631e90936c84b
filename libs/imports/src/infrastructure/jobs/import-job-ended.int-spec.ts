import { randomUUID } from 'crypto';
import type { EventBus } from '@nestjs/cqrs';
import { Pool, PoolClient } from 'pg';
import { JobCancelled, JobFailed } from '@porter/job-queue';
import { PgImportBatchStore } from '../persistence/pg-import-batch.store';
import { ImportJobEndedHandler } from './import-job-ended.handler';

/**
 * The end of a batch's job, written against real Postgres when that write fails for a while: the
 * batch's row is held locked by another transaction and this pool gives up waiting after 100 ms
 * (a real "lock timeout" error, as a briefly unreachable or overloaded database would give).
 */
describe('marking a batch failed when its job ends (ImportJobEndedHandler)', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 3, options: '-c lock_timeout=100ms' });
  const tenant = `t-${randomUUID()}`;
  const published: unknown[] = [];
  const eventBus = { publish: (event: unknown) => void published.push(event) } as unknown as EventBus;
  const lockerPool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
  let locker: PoolClient;

  async function newBatch(jobId: string): Promise<{ batchId: string; recordId: string }> {
    const recordId = randomUUID();
    const batchId = randomUUID();
    await pool.query(`INSERT INTO imports.import_record (id, tenant, created_by, type, source_name, finalized_at) VALUES ($1, $2, 'u', 'employees', 's', now())`, [
      recordId,
      tenant,
    ]);
    await pool.query(
      `INSERT INTO imports.import_batch (id, import_record_id, tenant, format, storage_key, size_bytes, sha256, status, job_id)
       VALUES ($1, $2, $3, 'csv', 'k', 1, $4, 'started', $5)`,
      [batchId, recordId, tenant, randomUUID(), jobId],
    );
    return { batchId, recordId };
  }

  const batch = async (id: string) => (await pool.query('SELECT status, error_details FROM imports.import_batch WHERE id = $1', [id])).rows[0];

  /** The handler over the real batch store, counting the attempts that failed (and running `onFailure` after each). */
  function handlerWith(onFailure: (failures: number) => Promise<void>) {
    const store = new PgImportBatchStore(pool, eventBus);
    const real = store.failByJob.bind(store);
    let failures = 0;
    store.failByJob = async (jobId, reason) => {
      try {
        return await real(jobId, reason);
      } catch (error) {
        failures++;
        await onFailure(failures);
        throw error;
      }
    };
    const handler = new ImportJobEndedHandler(store);
    handler.retry = { attempts: 4, firstDelayMs: 5 };
    return { handler, failures: () => failures };
  }

  beforeAll(async () => {
    locker = await lockerPool.connect();
  });
  afterAll(async () => {
    locker.release();
    await Promise.all([pool.end(), lockerPool.end()]);
  });

  it('retries when the write fails, and ends the batch (and its finalised record) once it succeeds', async () => {
    const jobId = randomUUID();
    const { batchId, recordId } = await newBatch(jobId);
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM imports.import_batch WHERE id = $1 FOR UPDATE', [batchId]);
    // The lock is released after the first attempt has failed on it.
    const { handler, failures } = handlerWith(async (n) => {
      if (n === 1) await locker.query('COMMIT');
    });
    await handler.handle(new JobFailed(jobId, 'import-batch', tenant, 'boom', 5));
    expect(failures()).toBe(1);
    expect(await batch(batchId)).toEqual({ status: 'failed', error_details: 'the processing job failed after 5 attempts: boom' });
    const record = (await pool.query('SELECT status FROM imports.import_record WHERE id = $1', [recordId])).rows[0];
    expect(record.status).toBe('completed');
  });

  it('after the last attempt, rethrows the database error instead of swallowing it; the batch is untouched', async () => {
    const jobId = randomUUID();
    const { batchId } = await newBatch(jobId);
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM imports.import_batch WHERE id = $1 FOR UPDATE', [batchId]);
    try {
      const { handler, failures } = handlerWith(async () => undefined);
      await expect(handler.handle(new JobCancelled(jobId, 'import-batch', tenant))).rejects.toThrow('canceling statement due to lock timeout');
      expect(failures()).toBe(4);
      expect(await batch(batchId)).toEqual({ status: 'started', error_details: null });
    } finally {
      await locker.query('ROLLBACK');
    }
  });
});

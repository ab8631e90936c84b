import { randomUUID } from 'crypto';
import { Pool, PoolClient } from 'pg';
import { Principal } from '@porter/shared-kernel';
import {
  ChunkOrder,
  ChunkOutcome,
  ChunkTarget,
  PreviousChunkNotCommittedError,
  rewriteChunk,
  writeChunk,
} from '../../application/process-import-batch/chunk-transaction';
import type { PreparedRow } from '../../domain/prepared-row';
import { StaleRunError } from '../../domain/stale-run.error';
import type { ImportProcessor, ImportRow, ImportRowOutcome } from '../../public/dependencies/import-processor.dependency';
import { PgChunkConnection } from './pg-chunk-connection';

/**
 * The chunk transaction (application/process-import-batch) on its Postgres connection, against
 * real Postgres: host writes, results and checkpoint commit together or not at all, and the run
 * token fences stale runs.
 */
describe('chunk transaction and fencing', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  const tenant = `t-${randomUUID()}`;
  let client: PoolClient;
  let connection: PgChunkConnection;

  /** A host that writes one scratch row per input row through the chunk's unit of work. */
  const scratchHost = (behaviour: { failRow?: number; throwAt?: number } = {}): ImportProcessor => ({
    async process(rows: ImportRow[], ctx): Promise<ImportRowOutcome[]> {
      const out: ImportRowOutcome[] = [];
      for (const row of rows) {
        if (row.rowNumber === behaviour.throwAt) throw new Error('host exploded');
        await ctx.unitOfWork.query('INSERT INTO imports_it_scratch (batch_id, row_number) VALUES ($1, $2)', [ctx.importBatchId, row.rowNumber]);
        out.push(row.rowNumber === behaviour.failRow ? { status: 'failed', failureDetails: 'host said no' } : { status: 'completed', referenceId: `ref-${row.rowNumber}` });
      }
      return out;
    },
  });

  const rows = (from: number, to: number, bad: number[] = []): PreparedRow[] =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i).map((n) =>
      bad.includes(n) ? { rowNumber: n, cells: ['x'], values: null, failure: 'invalid' } : { rowNumber: n, cells: ['x'], values: { v: n }, failure: null },
    );

  async function newBatch(token: string): Promise<string> {
    const recordId = randomUUID();
    const batchId = randomUUID();
    await pool.query(`INSERT INTO imports.import_record (id, tenant, created_by, type, source_name) VALUES ($1, $2, 'u', 'employees', 's')`, [recordId, tenant]);
    await pool.query(
      `INSERT INTO imports.import_batch (id, import_record_id, tenant, format, storage_key, size_bytes, sha256, status, run_token)
       VALUES ($1, $2, $3, 'csv', 'k', 1, $4, 'started', $5)`,
      [batchId, recordId, tenant, randomUUID(), token],
    );
    return batchId;
  }

  const target = (batchId: string, runToken: string, processor: ImportProcessor, extra: Partial<ChunkTarget> = {}): ChunkTarget => ({
    recordId: randomUUID(),
    batchId,
    runToken,
    principal: new Principal('u', tenant),
    dryRun: false,
    abortOnError: false,
    processor,
    ...extra,
  });

  const state = async (batchId: string) => {
    const b = (await pool.query('SELECT last_row, count_completed, count_failed FROM imports.import_batch WHERE id = $1', [batchId])).rows[0];
    const results = (await pool.query('SELECT row_number, status, reference_id FROM imports.import_result WHERE import_batch_id = $1 ORDER BY row_number', [batchId])).rows;
    const scratch = (await pool.query('SELECT count(*)::int AS n FROM imports_it_scratch WHERE batch_id = $1', [batchId])).rows[0].n;
    return { ...b, results, scratch };
  };

  beforeAll(async () => {
    await pool.query('CREATE TABLE IF NOT EXISTS imports_it_scratch (batch_id uuid, row_number int)');
    client = await pool.connect();
    connection = new PgChunkConnection(client);
  });
  afterAll(async () => {
    client.release();
    await pool.end();
  });

  it('commits host writes, results and the checkpoint together; counts validation failures', async () => {
    const batchId = await newBatch('run-a');
    const outcome = await writeChunk(connection, target(batchId, 'run-a', scratchHost({ failRow: 2 })), rows(1, 4, [3]), 0);
    expect(outcome).toEqual({ completed: 2, failed: 2, partiallyFailed: 0, abortedAt: null });
    const s = await state(batchId);
    expect(s).toMatchObject({ last_row: 4, count_completed: 2, count_failed: 2, scratch: 3 });
    expect(s.results).toEqual([
      { row_number: 1, status: 'completed', reference_id: 'ref-1' },
      { row_number: 2, status: 'failed', reference_id: null },
      { row_number: 3, status: 'failed', reference_id: null },
      { row_number: 4, status: 'completed', reference_id: 'ref-4' },
    ]);
  });

  it('a stale run (token replaced) or a moved checkpoint writes nothing', async () => {
    const batchId = await newBatch('run-a');
    await writeChunk(connection, target(batchId, 'run-a', scratchHost()), rows(1, 2), 0);
    await pool.query(`UPDATE imports.import_batch SET run_token = 'run-b' WHERE id = $1`, [batchId]);
    await expect(writeChunk(connection, target(batchId, 'run-a', scratchHost()), rows(3, 4), 2)).rejects.toBeInstanceOf(StaleRunError);
    await expect(writeChunk(connection, target(batchId, 'run-b', scratchHost()), rows(1, 2), 0)).rejects.toBeInstanceOf(StaleRunError);
    expect(await state(batchId)).toMatchObject({ last_row: 2, scratch: 2, results: [expect.anything(), expect.anything()] });
    await writeChunk(connection, target(batchId, 'run-b', scratchHost()), rows(3, 4), 2);
    expect(await state(batchId)).toMatchObject({ last_row: 4, scratch: 4 });
  });

  it('two runs racing for the same chunk: exactly one commits', async () => {
    const batchId = await newBatch('run-a');
    const other = await pool.connect();
    try {
      const settled = await Promise.allSettled([
        writeChunk(connection, target(batchId, 'run-a', scratchHost()), rows(1, 50), 0),
        writeChunk(new PgChunkConnection(other), target(batchId, 'run-a', scratchHost()), rows(1, 50), 0),
      ]);
      expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(await state(batchId)).toMatchObject({ last_row: 50, scratch: 50, count_completed: 50 });
    } finally {
      other.release();
    }
  });

  it('a host error rolls the whole chunk back', async () => {
    const batchId = await newBatch('run-a');
    await expect(writeChunk(connection, target(batchId, 'run-a', scratchHost({ throwAt: 3 })), rows(1, 5), 0)).rejects.toThrow('host exploded');
    expect(await state(batchId)).toMatchObject({ last_row: 0, count_completed: 0, results: [], scratch: 0 });
  });

  it('dry run: the host writes are rolled back, results are kept without reference ids', async () => {
    const batchId = await newBatch('run-a');
    await writeChunk(connection, target(batchId, 'run-a', scratchHost(), { dryRun: true }), rows(1, 3), 0);
    const s = await state(batchId);
    expect(s).toMatchObject({ last_row: 3, count_completed: 3, scratch: 0 });
    expect(s.results.map((r: { reference_id: string | null }) => r.reference_id)).toEqual([null, null, null]);
  });

  it('onError abort: a failing row rolls the chunk back and is reported', async () => {
    const batchId = await newBatch('run-a');
    const outcome = await writeChunk(connection, target(batchId, 'run-a', scratchHost({ failRow: 2 }), { abortOnError: true }), rows(1, 3), 0);
    expect(outcome.abortedAt).toEqual({ rowNumber: 2, reason: 'host said no', cells: ['x'] });
    expect(await state(batchId)).toMatchObject({ last_row: 0, results: [], scratch: 0 });
  });

  it('retry: only rows still `retrying` are rewritten, once', async () => {
    const batchId = await newBatch('run-a');
    await writeChunk(connection, target(batchId, 'run-a', scratchHost({ failRow: 2 })), rows(1, 3), 0);
    await pool.query(`UPDATE imports.import_result SET status = 'retrying' WHERE import_batch_id = $1 AND status = 'failed'`, [batchId]);
    await pool.query(`UPDATE imports.import_batch SET count_failed = 0, count_pending = 1, run_token = 'run-r' WHERE id = $1`, [batchId]);
    await rewriteChunk(connection, target(batchId, 'run-r', scratchHost()), rows(2, 2));
    expect((await state(batchId)).results[1]).toEqual({ row_number: 2, status: 'completed', reference_id: 'ref-2' });
    await expect(rewriteChunk(connection, target(batchId, 'run-r', scratchHost()), rows(2, 2))).rejects.toBeInstanceOf(StaleRunError);
    expect(await state(batchId)).toMatchObject({ count_completed: 3, count_failed: 0 });
  });

  describe('two overlapping chunk transactions (the reader pipeline)', () => {
    /** Starts chunk `b` after chunk `a` the way the job handler does, on a second connection. */
    function pair(first: Promise<ChunkOutcome>, firstHostDone: Promise<void>): Omit<ChunkOrder, 'hostDone'> {
      const previousCommitted = first.then((o) => {
        if (o.abortedAt) throw new PreviousChunkNotCommittedError();
      });
      previousCommitted.catch(() => undefined);
      return { previousHostDone: firstHostDone, previousCommitted };
    }
    const deferred = () => {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    };
    /** Starts the first chunk of a pair on `connection` the way the pipeline does (nothing before it). */
    function startFirst(batchId: string, processor: ImportProcessor, chunk: PreparedRow[], extra: Partial<ChunkTarget> = {}) {
      const host = deferred();
      const outcome = writeChunk(connection, target(batchId, 'run-a', processor, extra), chunk, 0, {
        previousHostDone: Promise.resolve(),
        previousCommitted: Promise.resolve(),
        hostDone: host.resolve,
      });
      return { a: outcome, aHost: host };
    }
    /** Runs `test` with a second connection (for the second chunk), released after it. */
    async function withSecond(test: (second: PgChunkConnection) => Promise<void>): Promise<void> {
      const other = await pool.connect();
      try {
        await test(new PgChunkConnection(other));
      } finally {
        other.release();
      }
    }
    /** A host that holds its chunk's host phase open until `gate` resolves. */
    const gatedHost = (gate: Promise<void>, inner = scratchHost()): ImportProcessor => ({
      async process(rows, ctx) {
        await gate;
        return inner.process(rows, ctx);
      },
    });

    it('the second writes while the first finishes, and commits after it, in file order', async () => {
      const batchId = await newBatch('run-a');
      await withSecond(async (second) => {
        const { a, aHost } = startFirst(batchId, scratchHost(), rows(1, 20));
        const b = writeChunk(second, target(batchId, 'run-a', scratchHost()), rows(21, 40), 20, { ...pair(a, aHost.promise), hostDone: () => undefined });
        await expect(Promise.all([a, b])).resolves.toEqual([
          { completed: 20, failed: 0, partiallyFailed: 0, abortedAt: null },
          { completed: 20, failed: 0, partiallyFailed: 0, abortedAt: null },
        ]);
        const s = await state(batchId);
        expect(s).toMatchObject({ last_row: 40, count_completed: 40, scratch: 40 });
        expect(s.results.map((r: { row_number: number }) => r.row_number)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      });
    });

    it('if the first does not commit, the second rolls back too: nothing of either is written', async () => {
      const batchId = await newBatch('run-a');
      await withSecond(async (second) => {
        const { a, aHost } = startFirst(batchId, scratchHost({ throwAt: 5 }), rows(1, 10));
        a.catch(() => undefined);
        const b = writeChunk(second, target(batchId, 'run-a', scratchHost()), rows(11, 20), 10, { ...pair(a, aHost.promise), hostDone: () => undefined });
        await expect(a).rejects.toThrow('host exploded');
        await expect(b).rejects.toBeInstanceOf(PreviousChunkNotCommittedError);
        expect(await state(batchId)).toMatchObject({ last_row: 0, count_completed: 0, results: [], scratch: 0 });
      });
    });

    it('an aborted first chunk (onError abort) stops the second; its host waits for the first host to finish', async () => {
      const batchId = await newBatch('run-a');
      await withSecond(async (second) => {
        const gate = deferred();
        const events: string[] = [];
        const aInner = scratchHost({ failRow: 3 });
        const aProcessor: ImportProcessor = {
          async process(r, ctx) {
            await gate.promise;
            const out = await aInner.process(r, ctx);
            events.push('a: host done');
            return out;
          },
        };
        const { a, aHost } = startFirst(batchId, aProcessor, rows(1, 5), { abortOnError: true });
        const bHost: ImportProcessor = {
          async process(r, ctx) {
            events.push('b: host started');
            return scratchHost().process(r, ctx);
          },
        };
        // The second chunk announces when it starts waiting for the first chunk's host writes.
        const bWaiting = deferred();
        const { previousHostDone, previousCommitted } = pair(a, aHost.promise);
        const observed: PromiseLike<void> = {
          then: (onFulfilled, onRejected) => {
            bWaiting.resolve();
            return previousHostDone.then(onFulfilled, onRejected);
          },
        };
        const b = writeChunk(second, target(batchId, 'run-a', bHost, { abortOnError: true }), rows(6, 10), 5, {
          previousHostDone: observed as Promise<void>,
          previousCommitted,
          hostDone: () => undefined,
        });
        b.catch(() => undefined);
        await bWaiting.promise;
        // The second chunk is waiting while the first chunk's host is still held at its gate.
        expect(events).toEqual([]);
        gate.resolve();
        expect((await a).abortedAt).toMatchObject({ rowNumber: 3 });
        await expect(b).rejects.toBeInstanceOf(PreviousChunkNotCommittedError);
        // Its host ran only after the first chunk's host had finished.
        expect(events).toEqual(['a: host done', 'b: host started']);
        expect(await state(batchId)).toMatchObject({ last_row: 0, results: [], scratch: 0 });
      });
    });

    it('a run whose token is replaced between the two chunks commits the first only', async () => {
      const batchId = await newBatch('run-a');
      await withSecond(async (second) => {
        const { a, aHost } = startFirst(batchId, scratchHost(), rows(1, 5));
        await a;
        await pool.query(`UPDATE imports.import_batch SET run_token = 'run-b' WHERE id = $1`, [batchId]);
        const b = writeChunk(second, target(batchId, 'run-a', scratchHost()), rows(6, 10), 5, { ...pair(a, aHost.promise), hostDone: () => undefined });
        await expect(b).rejects.toBeInstanceOf(StaleRunError);
        expect(await state(batchId)).toMatchObject({ last_row: 5, scratch: 5 });
      });
    });
  });
});

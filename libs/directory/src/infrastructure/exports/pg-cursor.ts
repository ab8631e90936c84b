import type { PoolClient, Submittable } from 'pg';

/** The part of pg-cursor we use (the package ships no type declarations). */
interface PgCursor extends Submittable {
  read(rows: number): Promise<unknown[][]>;
  close(): Promise<void>;
}
type PgCursorConstructor = new (text: string, values: unknown[], config: { rowMode: 'array' }) => PgCursor;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Cursor = require('pg-cursor') as PgCursorConstructor;

/**
 * Streams a query's rows (as value arrays) in batches through a server-side cursor (a portal
 * read `batchSize` rows at a time), so memory holds one batch whatever the result size. Runs in
 * a read-only REPEATABLE READ transaction on its own pooled connection, released when the
 * consumer finishes, stops early or the signal aborts.
 */
export async function* streamQueryInBatches(
  connect: () => Promise<PoolClient>,
  text: string,
  values: unknown[],
  batchSize: number,
  signal?: AbortSignal,
): AsyncGenerator<unknown[][]> {
  const client = await connect();
  let failed = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // A cursor makes the planner favour fast-start plans (cursor_tuple_fraction 0.1); we read all rows.
    await client.query('SET LOCAL cursor_tuple_fraction = 1.0');
    const cursor = client.query(new Cursor(text, values, { rowMode: 'array' }));
    try {
      for (;;) {
        if (signal?.aborted) return;
        const rows = await cursor.read(batchSize);
        if (!rows.length) return;
        yield rows;
      }
    } finally {
      await cursor.close().catch(() => undefined);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    await client.query(failed ? 'ROLLBACK' : 'COMMIT').catch(() => undefined);
    client.release(failed);
  }
}

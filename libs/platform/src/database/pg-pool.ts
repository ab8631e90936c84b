import { Pool, PoolClient, PoolConfig } from 'pg';

/**
 * A plain `pg` pool beside MikroORM, for the hot paths an ORM should not be on: server-side
 * cursors and COPY streams (exports), multi-row writes that must share one transaction with a
 * host module's writes (imports). Same database, separate small pool.
 */
export const PG_POOL = Symbol('PG_POOL');

/**
 * Server-side TCP settings of every pooled Porter session (ADR 051). When a host drops off the
 * network nothing closes its sockets: Postgres keeps its sessions, their open transactions and
 * their row locks until its own TCP gives up — two hours for an idle socket by the kernel's
 * keepalive defaults, about 15 minutes for one with a reply in flight. A worker that took over
 * the dead host's import then waits on those locks. Keepalives (idle 3 s, probes 2 s apart, as
 * the liveness session, ADR 041) and `tcp_user_timeout` (10 s) end such a session about 10 s
 * after the host went, whether it was idle or had a reply in flight (with a user timeout set,
 * Linux ends a probed connection when the timeout passes, whatever the probe count). The kernel
 * of a live client acknowledges data and answers probes even when its process is stopped or
 * starved of CPU, so a slow worker keeps its sessions.
 */
export const DEAD_CLIENT_SESSION_OPTIONS = '-c tcp_keepalives_idle=3 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3 -c tcp_user_timeout=10000';

/**
 * How long a pool that serves HTTP requests (the API process, DATABASE_REQUEST_TIMEOUT_MS) lets
 * Postgres take. A hung server (stopped, frozen storage, a network black hole) accepts TCP
 * connections and then answers nothing: without a bound a request waits for as long as the
 * client does, and the connections it holds fill the pool for every later one. With one:
 *
 * - opening a connection, or waiting for a free one, fails after `timeoutMs`;
 * - the server cancels a statement after `timeoutMs` (`statement_timeout`, SQLSTATE 57014), so a
 *   slow statement on a live server ends there and its session stays usable;
 * - a statement that got no answer `QUERY_READ_MARGIN_MS` later (the server does not answer at
 *   all) fails with "Query read timeout" and its connection is destroyed (`boundQueries`).
 *
 * Workers run long COPY statements and imports on their pools: they get no bound (0).
 */
export interface PgRequestBounds {
  /** 0: no bound. */
  timeoutMs: number;
}

/** Time the server's own statement_timeout has to reach the client before the client gives up on the connection. */
export const QUERY_READ_MARGIN_MS = 1000;

/** The startup options and pool/connection settings of one bound (none for 0). */
export function requestBoundSettings(bounds: PgRequestBounds | undefined): { options: string; connectionTimeoutMillis?: number; readTimeoutMs: number } {
  const timeoutMs = bounds?.timeoutMs ?? 0;
  if (timeoutMs <= 0) return { options: '', readTimeoutMs: 0 };
  return { options: `-c statement_timeout=${timeoutMs}`, connectionTimeoutMillis: timeoutMs, readTimeoutMs: timeoutMs + QUERY_READ_MARGIN_MS };
}

export function createPgPool(
  databaseUrl: string,
  max = 10,
  settings: Pick<PoolConfig, 'application_name' | 'options'> = {},
  bounds?: PgRequestBounds,
): Pool {
  const bound = requestBoundSettings(bounds);
  const pool = new Pool({
    connectionString: databaseUrl,
    max,
    idleTimeoutMillis: 30_000,
    application_name: 'porter',
    keepAlive: true,
    // Waiting for a free client and opening a new one (pg-pool passes it on to the client).
    ...(bound.connectionTimeoutMillis ? { connectionTimeoutMillis: bound.connectionTimeoutMillis } : {}),
    ...settings,
    options: [DEAD_CLIENT_SESSION_OPTIONS, bound.options, settings.options].filter(Boolean).join(' '),
  });
  pool.on('error', () => undefined); // an idle client lost its connection; the pool replaces it
  // pg-pool listens for errors only on IDLE clients. A checked-out client whose connection drops
  // (Postgres restarts, a network cut) emits 'error' with no listener, which ends the process;
  // its running query fails on its own and the pool discards it on release, so the event itself
  // needs no action.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    if (bound.readTimeoutMs) boundQueries(client, bound.readTimeoutMs);
  });
  return pool;
}

/** The message of the error a query gets when Postgres did not answer it in time (as node-postgres' own `query_timeout`). */
export const QUERY_READ_TIMEOUT = 'Query read timeout';

/** A node-postgres client (`pg.Client`, a pool's or knex's): its `query` and the socket under it. */
type Queryable = { query: (...args: never[]) => unknown; connection?: { stream?: { destroy(error?: Error): void } } };

/**
 * Fails every query of `client` that got no answer within `readTimeoutMs` (from the call, as
 * node-postgres' `query_timeout`) AND destroys the connection. node-postgres' own `query_timeout`
 * only rejects the caller's promise: the connection keeps the unanswered statement as its active
 * query, every later statement on it queues behind that one (a ROLLBACK then waits out a second
 * timeout), and the client goes back to the pool. Once the server answers again the abandoned
 * statements run after all, and a transaction whose ROLLBACK was dropped from the queue stays
 * open for the connection's next user, who would commit it. A destroyed connection cannot do
 * that: its queued statements fail at once, the pool (pg-pool: not queryable; knex: disposed)
 * discards it, and the server rolls back what it had not committed when it reads the close.
 *
 * Streams and cursors (`client.query(submittable)`: COPY, server-side cursors) are not bounded:
 * they run as long as their data flows.
 */
export function boundQueries<C extends Queryable>(client: C, readTimeoutMs: number): C {
  const query = client.query as (...args: unknown[]) => unknown;
  const bounded = function (this: C, config: unknown, values?: unknown, callback?: unknown): unknown {
    if (config && typeof (config as { submit?: unknown }).submit === 'function') return query.call(this, config, values, callback);
    if (typeof values === 'function') [values, callback] = [undefined, values];
    const timer = setTimeout(() => {
      const error = new Error(`${QUERY_READ_TIMEOUT}: Postgres did not answer within ${readTimeoutMs} ms`);
      client.connection?.stream?.destroy(error);
    }, readTimeoutMs);
    timer.unref?.();
    if (typeof callback === 'function') {
      return query.call(this, config, values, (error: unknown, result: unknown) => {
        clearTimeout(timer);
        (callback as (error: unknown, result: unknown) => void)(error, result);
      });
    }
    const result = query.call(this, config, values) as Promise<unknown>;
    void result.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
    return result;
  };
  (client as { query: unknown }).query = bounded;
  return client;
}

/** Runs `work` in one transaction on one pooled client; rolls back on any error. */
export async function withPgTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A connection that cannot roll back (lost, or destroyed by a read timeout) is in an unknown
    // state: it leaves the pool instead of going back to it.
    broken = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackError: Error) => rollbackError,
    );
    throw error;
  } finally {
    client.release(broken);
  }
}

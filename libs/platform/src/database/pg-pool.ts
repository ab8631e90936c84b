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

export function createPgPool(databaseUrl: string, max = 10, settings: Pick<PoolConfig, 'application_name' | 'options'> = {}): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max,
    idleTimeoutMillis: 30_000,
    application_name: 'porter',
    keepAlive: true,
    ...settings,
    options: [DEAD_CLIENT_SESSION_OPTIONS, settings.options].filter(Boolean).join(' '),
  });
  pool.on('error', () => undefined); // an idle client lost its connection; the pool replaces it
  // pg-pool listens for errors only on IDLE clients. A checked-out client whose connection drops
  // (Postgres restarts, a network cut) emits 'error' with no listener, which ends the process;
  // its running query fails on its own and the pool discards it on release, so the event itself
  // needs no action.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs `work` in one transaction on one pooled client; rolls back on any error. */
export async function withPgTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

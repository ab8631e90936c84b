import { Pool, PoolClient, PoolConfig } from 'pg';

/**
 * A plain `pg` pool beside MikroORM, for the hot paths an ORM should not be on: server-side
 * cursors and COPY streams (exports), multi-row writes that must share one transaction with a
 * host module's writes (imports). Same database, separate small pool.
 */
export const PG_POOL = Symbol('PG_POOL');

/**
 * Server-side TCP keepalives for every Porter connection: when a host drops off the network, the
 * server ends its sessions in about 10 s (idle 4 s, 3 probes 2 s apart) instead of the kernel's
 * default two hours, releasing the row locks and the snapshot an open transaction of that host
 * held (a cut-off worker's chunk transaction would otherwise block its batch's rows and hold back
 * every reader that waits for older transactions). Unix-socket connections ignore them.
 */
export const SERVER_KEEPALIVE_OPTIONS = '-c tcp_keepalives_idle=4 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3';

export function createPgPool(databaseUrl: string, max = 10, settings: Pick<PoolConfig, 'application_name' | 'options'> = {}): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max,
    idleTimeoutMillis: 30_000,
    application_name: 'porter',
    keepAlive: true,
    ...settings,
    options: [SERVER_KEEPALIVE_OPTIONS, settings.options].filter(Boolean).join(' '),
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

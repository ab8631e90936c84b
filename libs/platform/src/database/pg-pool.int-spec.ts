import { MikroORM } from '@mikro-orm/postgresql';
import { createPgPool } from './pg-pool';
import { ormBaseOptions } from './orm-options';

/**
 * Every pooled session asks Postgres to notice a client host that vanished (ADR 051): keepalives
 * and tcp_user_timeout, on the raw pools (with a caller's own options kept) and on MikroORM's.
 */
describe('dead-client session settings (Postgres)', () => {
  const settings = `SELECT current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_interval') AS interval,
                            current_setting('tcp_keepalives_count') AS count, current_setting('tcp_user_timeout') AS user_timeout,
                            current_setting('synchronous_commit') AS sync`;
  const expected = { idle: '3', interval: '2', count: '3', user_timeout: '10000' };

  it('are set on a raw pool session, beside the options a caller adds', async () => {
    const pool = createPgPool(process.env.DATABASE_URL!, 1, { options: '-c synchronous_commit=off' });
    try {
      // Over TCP the server reports what it applies (over a Unix socket these read 0).
      expect((await pool.query(settings)).rows[0]).toEqual({ ...expected, sync: 'off' });
    } finally {
      await pool.end();
    }
  });

  it("are set on MikroORM's sessions", async () => {
    const orm = await MikroORM.init({ ...ormBaseOptions(process.env.DATABASE_URL!, 1), entities: [], discovery: { warnWhenNoEntities: false } });
    try {
      const [row] = await orm.em.getConnection().execute(settings);
      expect(row).toEqual({ ...expected, sync: 'on' });
    } finally {
      await orm.close(true);
    }
  });
});

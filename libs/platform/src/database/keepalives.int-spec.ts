import { MikroORM } from '@mikro-orm/postgresql';
import { createPgPool } from './pg-pool';
import { ormBaseOptions } from './orm-options';

/** A host cut off mid-transaction must not hold its locks for the kernel's two hours: every session asks the server for short keepalives. */
describe('server-side TCP keepalives on every Porter connection (real Postgres)', () => {
  const url = process.env.DATABASE_URL as string;

  it('plain pools and the ORM both set tcp_keepalives_idle/interval/count', async () => {
    const pool = createPgPool(url, 1, { options: '-c statement_timeout=0' });
    try {
      const { rows } = await pool.query(`SELECT current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_interval') AS interval,
                                                current_setting('tcp_keepalives_count') AS count, current_setting('statement_timeout') AS st`);
      expect(rows[0]).toEqual({ idle: '4', interval: '2', count: '3', st: '0' });
    } finally {
      await pool.end();
    }
    const orm = await MikroORM.init({ ...ormBaseOptions(url, 1), entities: [] });
    try {
      expect(await orm.em.fork().getConnection().execute(`SELECT current_setting('tcp_keepalives_idle') AS idle`)).toEqual([{ idle: '4' }]);
    } finally {
      await orm.close();
    }
  });
});

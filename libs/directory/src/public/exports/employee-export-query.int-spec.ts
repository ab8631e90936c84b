import { randomUUID } from 'crypto';
import { Client } from 'pg';
import { employeeExportQuery } from './employee-export-query';

/*
 * The days an export reads, as COPY sends them: YYYY-MM-DD for every day of years 1 to 9999 under
 * any DateStyle, and Postgres's own words for the days that form cannot hold, never an empty
 * field or another day. Runs in a transaction rolled back at the end.
 */
describe('employeeExportQuery: hired_at as text', () => {
  let client: Client;

  beforeAll(async () => {
    client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
  });

  it('writes every day as YYYY-MM-DD, and infinity, BC days and years past 9999 as Postgres writes them', async () => {
    const tenant = `t-${randomUUID()}`;
    const days = ['2024-02-29', '0001-01-01', '1899-12-31', '9999-12-31', 'infinity', '-infinity', '0044-03-15 BC', '20000-01-01', null];
    await client.query('BEGIN');
    try {
      // A DateStyle under which date::text is not ISO: the usual days must not follow it.
      await client.query(`SET LOCAL DateStyle = 'SQL, DMY'`);
      for (const [i, day] of days.entries()) {
        await client.query(
          `INSERT INTO directory.employee (id, tenant, first_name, last_name, email, department, hired_at, active)
           VALUES ($1, $2, 'A', 'B', $3, 'Ops', $4::date, true)`,
          [`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, tenant, `p${i}@example.com`, day],
        );
      }
      const { select, values } = employeeExportQuery(tenant, {}, undefined, { columns: ['hired_at'] });
      const { rows } = await client.query(select, values);
      expect(rows.map((r) => r.hired_at)).toEqual(['2024-02-29', '0001-01-01', '1899-12-31', '9999-12-31', 'infinity', '-infinity', '0044-03-15 BC', '20000-01-01', null]);
    } finally {
      await client.query('ROLLBACK');
    }
  });
});

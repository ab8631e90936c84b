import { Client } from 'pg';

describe('test harness', () => {
  it('gives every run its own migrated database', async () => {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    const { rows } = await client.query('SELECT current_database() AS db');
    await client.end();
    expect(rows[0].db).toMatch(/^porter_test_/);
  });
});

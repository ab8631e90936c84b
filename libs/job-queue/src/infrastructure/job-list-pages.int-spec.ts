import { TestingModule } from '@nestjs/testing';
import { QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { explainScans, statementsSent } from '@porter/platform';
import { Page, Principal, SortOrder } from '@porter/shared-kernel';
import { ListJobsQuery } from '../public/queries/list-jobs.query';
import type { JobInfo } from '../public/entities/job-info';
import { apiContextWithPool, deleteJobs, users } from '../test-support/job-queue-test-context';

/**
 * A deep page of GET /jobs (ADR 092): the rows before its offset are counted off the list index,
 * and only the page's own rows are read from the table; every page is still exactly the rows of
 * `ORDER BY submitted_at, id` in the asked direction, ties in submitted_at included.
 */
describe('job list pages (Postgres)', () => {
  let api: TestingModule;
  let pool: Pool;
  beforeAll(async () => ({ api, pool } = await apiContextWithPool()));
  afterAll(async () => api?.close());

  it('walks to a deep offset on the list index alone and reads only the page from the table, in the same order as before', async () => {
    const { tenant, alice, admin } = users();
    const others = `others-${randomUUID()}`;
    // 1,500 finished jobs of one tenant (1,000 of them alice's), submitted in 50 instants (ties of
    // 30: the id decides), among 60,000 of other tenants; then a VACUUM as autovacuum would leave them.
    await pool.query(
      `INSERT INTO job_queue.job (id, tenant, type, status, payload, principal, submitted_by, max_attempts, completed_at, submitted_at)
       SELECT gen_random_uuid(), $1 || (g % 10), 'porter-test.noop', 'succeeded', '{}', '{}', 'u', 3, now(), now() - g * interval '1 second'
       FROM generate_series(1, 60000) g`,
      [others],
    );
    await pool.query(
      `INSERT INTO job_queue.job (id, tenant, type, status, payload, principal, submitted_by, max_attempts, completed_at, submitted_at)
       SELECT gen_random_uuid(), $1, 'porter-test.noop', 'succeeded', '{}', '{}', CASE WHEN g % 3 = 0 THEN 'bob' ELSE $2 END, 3, now(),
              timestamptz '2026-12-01' + (g % 50) * interval '1 minute'
       FROM generate_series(1, 1500) g`,
      [tenant, alice.userId],
    );
    await pool.query('VACUUM ANALYZE job_queue.job');
    const expected = async (who: Principal, order: SortOrder, offset: number) => {
      const direction = order === 'oldest' ? 'ASC' : 'DESC';
      const { rows } = await pool.query<{ id: string }>(
        `SELECT id FROM job_queue.job WHERE tenant = $1 AND ($2 OR submitted_by = $3)
         ORDER BY submitted_at ${direction}, id ${direction} OFFSET $4 LIMIT 20`,
        [tenant, who.isAdmin, who.userId, offset],
      );
      return rows.map((r) => r.id);
    };
    const list = (who: Principal, order: SortOrder, offset: number): Promise<Page<JobInfo>> =>
      api.get(QueryBus).execute(new ListJobsQuery(who, {}, offset, 20, order));
    try {
      for (const [who, total] of [[admin, 1500], [alice, 1000]] as const) {
        for (const order of ['newest', 'oldest'] as const) {
          for (const offset of [0, 20, 100, 990, total - 20]) {
            const page = await list(who, order, offset);
            expect({ who: who.userId, order, offset, total: page.totalRecords, ids: page.items.map((j) => j.id) }).toEqual({
              who: who.userId,
              order,
              offset,
              total,
              ids: await expected(who, order, offset),
            });
          }
        }
        // The deep page's statement, run again under EXPLAIN ANALYZE: the list index alone to the
        // offset (no table page visited), then the page's 20 rows by primary key.
        const sent = await statementsSent(pool, (text) => text.includes('OFFSET'), () => list(who, 'newest', 900));
        expect(sent).toHaveLength(1);
        const scans = (await explainScans(pool, sent[0].text, sent[0].values, 'job')).filter((s) => s.rowsRead > 0);
        const listScan = scans.find((s) => s.index === (who.isAdmin ? 'job_tenant_submitted_idx' : 'job_tenant_submitter_idx'));
        expect({ who: who.userId, type: listScan?.type, heapFetches: listScan?.heapFetches }).toEqual({ who: who.userId, type: 'Index Only Scan', heapFetches: 0 });
        const tableReads = scans.filter((s) => s !== listScan).reduce((n, s) => n + s.rowsRead, 0);
        expect({ who: who.userId, tableReads }).toEqual({ who: who.userId, tableReads: 20 });
      }
    } finally {
      await deleteJobs(pool, 'tenant = $1 OR tenant LIKE $2', [tenant, `${others}%`]);
    }
  });
});

import { TestingModule } from '@nestjs/testing';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { JobStatus } from '../public/enums/job-status';
import { MoveJobToTopCommand } from '../public/actions/move-job-to-top.command';
import { CancelJobCommand } from '../public/actions/cancel-job.command';
import { ListJobsQuery } from '../public/queries/list-jobs.query';
import { TEST_JOB_TYPES } from '../test-support/test-job-handlers';
import { JobRunStore } from './store/job-run.store';
import { BEHIND_COUNT_MAX, JOB_INFO_COLUMNS, selectJobPage } from './persistence/job-sql';
import { apiContextWithPool, getJob, submit, users } from '../test-support/job-queue-test-context';

/**
 * Positions come from index counts (one job), an index-ordered window (a page) (ADR 068), and
 * counts from the back of the queue (a first page of the newest jobs, ADR 101): all must be
 * exactly the order in which claims take the jobs, with several moved jobs and several
 * priorities waiting.
 */
describe('job positions (Postgres): one job and a page agree with the order claims take', () => {
  let api: TestingModule;
  let pool: Pool;
  beforeAll(async () => ({ api, pool } = await apiContextWithPool()));
  afterAll(async () => api?.close());

  it('gives every pending job, read alone and in a page, the position a worker takes it in', async () => {
    const { alice, admin } = users();
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) ids.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: [0, 5, 0, -3, 5, 0][i % 6] }));
    // three moved jobs (the latest move first), of different priorities; one cancelled
    for (const i of [4, 10, 7]) await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, ids[i]));
    await api.get(CommandBus).execute(new CancelJobCommand(alice, ids[13]));

    const single = new Map<string, number | null>();
    for (const id of ids) single.set(id, (await getJob(api, alice, id)).position);
    const page = await api.get(QueryBus).execute(new ListJobsQuery(alice, {}, 0, 100));
    const listed = new Map(page.items.map((j: { id: string; position: number | null }) => [j.id, j.position]));
    expect(single.get(ids[13])).toBeNull();
    expect(listed.get(ids[13])).toBeNull();
    expect(single.get(ids[7])).toBe(1);
    expect(single.get(ids[10])).toBe(2);
    expect(single.get(ids[4])).toBe(3);

    // the oracle: every pending job of the database, in the order claims take them
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM job_queue.job WHERE status = 'pending'`);
    const store = api.get(JobRunStore);
    const claimed = await store.claimMany(Array.from({ length: rows[0].n }, () => randomUUID()), 'worker-oracle', 60_000, {});
    const takenAs = new Map(claimed.map((job, i) => [job.id, i + 1]));
    for (const id of ids) {
      if (id === ids[13]) continue;
      expect({ id, single: single.get(id), listed: listed.get(id) }).toEqual({ id, single: takenAs.get(id), listed: takenAs.get(id) });
    }
    await store.round(claimed.map((job) => ({ jobId: job.id, runToken: job.runToken, outputInformation: null })), [], 'worker-oracle', 60_000, {});
    expect((await getJob(api, alice, ids[0])).status).not.toBe(JobStatus.Pending);
  });

  it('counts a first page from the back of the queue, and takes the window for a job far from it', async () => {
    const { alice, admin } = users();
    // More jobs waiting than are counted behind a job: the high-priority job submitted last has
    // all of them behind it, and gets its position from the window.
    const backlog: string[] = [];
    for (let start = 0; start < BEHIND_COUNT_MAX + 20; start += 50) {
      const size = Math.min(50, BEHIND_COUNT_MAX + 20 - start);
      backlog.push(...(await Promise.all(Array.from({ length: size }, () => submit(api, alice, TEST_JOB_TYPES.noop)))));
    }
    const moved = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: -1 });
    await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, moved));
    const newest: string[] = [];
    for (const priority of [2, 0, 0, 0]) newest.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority }));
    const urgent = await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: 9 });

    const page = await api.get(QueryBus).execute(new ListJobsQuery(alice, {}, 0, 10));
    const listed = new Map(page.items.map((j: { id: string; position: number | null }) => [j.id, j.position]));
    expect(page.items[0].id).toBe(urgent);

    // The statement a first page of the newest jobs reads (the read model's): the window runs
    // only for a job counted up to the cap; without one, never.
    const windowRuns = async (limit: number, offset: number): Promise<boolean> => {
      const sql = selectJobPage(`j.tenant = $1 AND j.status <> 'deleted'`, '$2', '$3', 'DESC', 'submitted_at', JOB_INFO_COLUMNS, 'from-back');
      const { rows: plan } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, [alice.tenant, offset, limit]);
      const windows = (node: Record<string, unknown>): Array<Record<string, unknown>> => [
        ...(node['Node Type'] === 'WindowAgg' ? [node] : []),
        ...((node.Plans as Array<Record<string, unknown>>) ?? []).flatMap(windows),
      ];
      const found = windows(plan[0]['QUERY PLAN'][0].Plan);
      expect(found).toHaveLength(1);
      return found[0]['Actual Loops'] !== 0;
    };
    expect(await windowRuns(10, 0)).toBe(true); // the urgent job is on it
    expect(await windowRuns(3, 1)).toBe(false); // the three newest after it are at the back

    // The moved job, read in a page of its own, counts the moved jobs ahead of it.
    const movedPage = await api.get(QueryBus).execute(new ListJobsQuery(alice, {}, 5, 1));
    expect(movedPage.items[0]).toMatchObject({ id: moved, position: 1 });

    // the oracle: every pending job, in the order claims take them
    const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM job_queue.job WHERE status = 'pending'`);
    const store = api.get(JobRunStore);
    const claimed = await store.claimMany(Array.from({ length: rows[0].n }, () => randomUUID()), 'worker-oracle', 60_000, {});
    const takenAs = new Map(claimed.map((job, i) => [job.id, i + 1]));
    expect(takenAs.get(moved)).toBe(1);
    expect(takenAs.get(urgent)).toBe(2);
    for (const item of page.items) expect({ id: item.id, position: item.position }).toEqual({ id: item.id, position: takenAs.get(item.id) });
    expect(listed.get(newest[0])).toBe(3); // priority 2: behind the urgent job, ahead of the backlog
    expect(listed.get(newest[3])).toBe(rows[0].n);
    await store.round(claimed.map((job) => ({ jobId: job.id, runToken: job.runToken, outputInformation: null })), [], 'worker-oracle', 60_000, {});
    expect(backlog).toHaveLength(BEHIND_COUNT_MAX + 20);
  });
});

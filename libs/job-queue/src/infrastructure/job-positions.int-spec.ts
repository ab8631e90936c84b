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
import { apiContextWithPool, getJob, submit, users } from '../test-support/job-queue-test-context';

/**
 * Positions come from index counts (one job) and an index-ordered window (a page) (ADR 068):
 * both must be exactly the order in which claims take the jobs, with several moved jobs and
 * several priorities waiting.
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
});

import { TestingModule } from '@nestjs/testing';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { explainScans, statementsSent } from '@porter/platform';
import { NotFoundError } from '@porter/shared-kernel';
import { CancelJobCommand } from '../public/actions/cancel-job.command';
import { MoveJobToTopCommand } from '../public/actions/move-job-to-top.command';
import { GetJobQuery } from '../public/queries/get-job.query';
import { ListJobsQuery } from '../public/queries/list-jobs.query';
import type { JobInfo } from '../public/entities/job-info';
import type { JobStatus } from '../public/enums/job-status';
import { TEST_JOB_TYPES } from '../test-support/test-job-handlers';
import { apiContextWithPool, deleteJobs, getJob, submit, users } from '../test-support/job-queue-test-context';

/**
 * GET /jobs/{id} reads go "batch while busy" (PgJobReadModel): concurrent reads share one
 * statement. A batched read must answer exactly what the same read alone answers: the job with
 * its position, or NotFound for another tenant's job, another user's job (non-admin) or a job
 * that does not exist; and a client must read what it wrote before asking.
 */
describe('job reads in batches (Postgres)', () => {
  let api: TestingModule;
  let pool: Pool;
  beforeAll(async () => ({ api, pool } = await apiContextWithPool()));
  afterAll(async () => api?.close());

  /** Runs `work` and names the prepared statements it sent on the pool. */
  async function namedStatements<T>(work: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
    const sent: string[] = [];
    const query = pool.query.bind(pool);
    const spy = jest.spyOn(pool, 'query').mockImplementation(((config: unknown, ...rest: unknown[]) => {
      if (config && typeof config === 'object' && 'name' in config) sent.push(String((config as { name: string }).name));
      return (query as (...args: unknown[]) => unknown)(config, ...rest);
    }) as typeof pool.query);
    try {
      return { result: await work(), sent };
    } finally {
      spy.mockRestore();
    }
  }

  const read = (who: Parameters<typeof getJob>[1], id: string): Promise<JobInfo | 'not found'> =>
    api
      .get(QueryBus)
      .execute(new GetJobQuery(who, id))
      .then(
        (job: JobInfo) => job,
        (error: unknown) => {
          if (error instanceof NotFoundError) return 'not found' as const;
          throw error;
        },
      );

  it('answers 300 concurrent reads of mixed jobs and principals as each read alone, in fewer statements', async () => {
    const one = users();
    const other = users();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await submit(api, i % 3 === 0 ? one.bob : one.alice, TEST_JOB_TYPES.noop, {}, { priority: [0, 4, -2][i % 3] }));
    const foreign = await submit(api, other.alice, TEST_JOB_TYPES.noop);
    await api.get(CommandBus).execute(new MoveJobToTopCommand(one.admin, ids[7]));
    await api.get(CommandBus).execute(new CancelJobCommand(one.alice, ids[4]));

    const who = [one.alice, one.bob, one.admin, other.alice, other.admin];
    const asks: Array<[(typeof who)[number], string]> = [];
    const targets = [...ids, foreign, randomUUID(), 'not-a-uuid'];
    // every principal asks for every job 4 times, interleaved
    for (let i = 0; i < 300; i++) asks.push([who[Math.floor(i / targets.length) % who.length], targets[i % targets.length]]);

    // Each read alone: one after the other, so no two share a batch.
    const alone: Array<JobInfo | 'not found'> = [];
    for (const [principal, id] of asks) alone.push(await read(principal, id));

    const { result: together, sent } = await namedStatements(() => Promise.all(asks.map(([principal, id]) => read(principal, id))));

    expect(together).toEqual(alone);
    // The rules still hold in the answers themselves (not only "the same as before").
    expect(alone.filter((a) => a === 'not found').length).toBeGreaterThan(0);
    asks.forEach(([principal, id], i) => {
      const answer = together[i];
      if (answer === 'not found') return;
      expect(answer.id).toBe(id);
      expect(answer.tenant).toBe(principal.tenant);
      if (!principal.isAdmin) expect(answer.submittedBy).toBe(principal.userId);
    });
    const byId = new Map((together.filter((a) => a !== 'not found') as JobInfo[]).map((j) => [j.id, j]));
    expect(byId.get(ids[7])?.position).toBe(1);
    expect(byId.get(ids[4])?.position).toBeNull();
    // Callers that asked the same thing in one batch share one answer, frozen all the way down
    // (the API serialises it once for all of them, ADR 093).
    const first = asks.findIndex(([p, id]) => p === one.admin && id === ids[7]);
    const again = asks.findIndex(([p, id], i) => i > first && p === one.admin && id === ids[7]);
    expect(again).toBeGreaterThan(first);
    expect(together[again]).toBe(together[first]);
    const shared = together[first] as JobInfo;
    expect(Object.isFrozen(shared) && Object.isFrozen(shared.progress) && Object.isFrozen(shared.submitterRoles)).toBe(true);
    expect(() => Object.assign(shared, { status: 'failed' })).toThrow(TypeError);
    expect(Object.isFrozen(alone.find((a) => a !== 'not found'))).toBe(true); // answered alone: frozen too, so a caller that changes one fails every time

    const reads = sent.filter((name) => name.startsWith('job-queue.read-job'));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.length).toBeLessThan(asks.filter(([, id]) => id !== 'not-a-uuid').length / 4);
    // Batches of many distinct jobs rank them with one window over the pending jobs.
    expect(sent).toContain('job-queue.read-jobs-ranked.v1');

    // A batch of a few distinct jobs counts each one's position instead: the same answers.
    const few = [ids[0], ids[7], ids[9], ids[4]];
    const fewAlone: Array<JobInfo | 'not found'> = [];
    for (const id of few) fewAlone.push(await read(one.admin, id));
    const fewTogether = await namedStatements(() => Promise.all([...few, ...few].map((id) => read(one.admin, id))));
    expect(fewTogether.result).toEqual([...fewAlone, ...fewAlone]);
    expect(fewTogether.sent).toContain('job-queue.read-jobs.v1');
    expect(fewTogether.sent).not.toContain('job-queue.read-jobs-ranked.v1');
  });

  it('lets a client read its own change made just before (no read joins one already under way)', async () => {
    const { alice } = users();
    const id = await submit(api, alice, TEST_JOB_TYPES.noop);
    const background = Array.from({ length: 50 }, () => getJob(api, alice, id));
    await api.get(CommandBus).execute(new CancelJobCommand(alice, id));
    const after = await getJob(api, alice, id);
    await Promise.all(background);
    expect(after.status).toBe('cancelled');
  });

  it('answers concurrent page reads as each read alone; identical ones share their statements', async () => {
    const one = users();
    const other = users();
    for (let i = 0; i < 6; i++) await submit(api, i % 2 ? one.alice : one.bob, TEST_JOB_TYPES.noop, {}, { priority: i % 3 });
    await submit(api, other.alice, TEST_JOB_TYPES.noop);
    const list = (who: Parameters<typeof getJob>[1], offset: number, limit: number) =>
      api.get(QueryBus).execute(new ListJobsQuery(who, {}, offset, limit)) as Promise<{ items: JobInfo[]; totalRecords: number }>;
    const asks: Array<[Parameters<typeof getJob>[1], number, number]> = [];
    for (let i = 0; i < 120; i++) asks.push([[one.alice, one.bob, one.admin, other.alice][i % 4], [0, 2][Math.floor(i / 4) % 2], [3, 20][Math.floor(i / 8) % 2]]);

    const alone = [];
    for (const [who, offset, limit] of asks) alone.push(await list(who, offset, limit));

    const { result: together, sent } = await namedStatements(() => Promise.all(asks.map(([who, offset, limit]) => list(who, offset, limit))));
    expect(together).toEqual(alone);
    expect(alone[2].totalRecords).toBe(6); // the admin sees the tenant's six
    expect(alone[0].totalRecords).toBe(3); // alice her three
    expect(alone[3].items.every((job) => job.tenant === other.tenant)).toBe(true);
    expect(together[0]).toBe(together[16]); // same ask (alice, 0, 3): one shared answer
    expect(Object.isFrozen(together[0]) && Object.isFrozen(together[0].items) && together[0].items.every((job) => Object.isFrozen(job))).toBe(true);
    expect(together[1]).not.toBe(together[0]); // another principal's ask: its own
    // 16 distinct asks (4 principals x 2 offsets x 2 limits), a page statement and a count each per batch
    expect(sent.filter((name) => name.startsWith('job-queue.read-page')).length).toBeLessThan(asks.length / 2);
  });

  it('ranks the pending jobs of different pages read together with one window, reads pages of one list as one range, counts equal counts once, and a failed batch is read page by page', async () => {
    const { alice, admin } = users();
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await submit(api, alice, TEST_JOB_TYPES.noop, {}, { priority: [0, 3, -1][i % 3] }));
    await api.get(CommandBus).execute(new MoveJobToTopCommand(admin, ids[17]));
    await api.get(CommandBus).execute(new CancelJobCommand(alice, ids[4]));
    const list = (offset: number, query?: string) =>
      api.get(QueryBus).execute(new ListJobsQuery(admin, query ? { query } : {}, offset, 5)) as Promise<{ items: JobInfo[]; totalRecords: number }>;
    const asks: Array<[number, string | undefined]> = [];
    for (let offset = 0; offset < 30; offset += 5) asks.push([offset, undefined], [offset, 'sortBy submittedAt/asc']);
    const alone = [];
    for (const [offset, query] of asks) alone.push(await list(offset, query));
    expect(alone.flatMap((page) => page.items).find((job) => job.id === ids[17])?.position).toBe(1);

    // Every statement sent on a connection taken from the pool (a batch of pages runs on one), and
    // each connection's own list: the worker of this context takes connections from the same pool
    // meanwhile (its rounds open transactions too), so only connections that read pages are counted.
    const texts: string[] = [];
    const sessions: string[][] = [];
    let failNext = false;
    // Only the promise form (the read model's batch of pages); pool.query's own callback form passes through.
    const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
    const spy = jest.spyOn(pool, 'connect').mockImplementation(((...args: unknown[]) => {
      if (args.length) return connect(...args);
      return (connect() as Promise<import('pg').PoolClient>).then((client) => {
        const query = client.query.bind(client) as (...rest: unknown[]) => Promise<unknown>;
        const session: string[] = [];
        sessions.push(session);
        const own = jest.spyOn(client, 'query').mockImplementation(((config: unknown, ...rest: unknown[]) => {
          const text = typeof config === 'string' ? config : String((config as { text: string }).text);
          texts.push(text);
          session.push(text);
          if (failNext && text.includes('row_number()')) {
            failNext = false;
            return Promise.reject(new Error('injected failure of the positions statement'));
          }
          return query(config, ...rest);
        }) as typeof client.query);
        const release = client.release.bind(client);
        client.release = ((error?: Error | boolean) => {
          own.mockRestore();
          return release(error);
        }) as typeof client.release;
        return client;
      });
    }) as unknown as typeof pool.connect);
    try {
      const together = await Promise.all(asks.map(([offset, query]) => list(offset, query)));
      expect(together).toEqual(alone);
      const windows = texts.filter((t) => t.includes('row_number()')).length;
      const readsPages = (session: string[]) => session.some((t) => t.includes('row_number()') || t.startsWith('SELECT count(*)'));
      const transactions = sessions.filter(readsPages).reduce((n, session) => n + session.filter((t) => t.startsWith('BEGIN')).length, 0);
      expect(transactions).toBeGreaterThan(0);
      // one window per batch of pages (not one per page), and the count of the same filter once per batch
      expect(windows).toBe(transactions);
      expect(texts.filter((t) => t.startsWith('SELECT count(*)')).length).toBeLessThanOrEqual(2 * transactions);
      // the six pages of each of the two lists read as one range each per batch, not a statement per page
      expect(texts.filter((t) => t.includes('selected AS (')).length).toBeLessThanOrEqual(2 * transactions);

      // A batch whose positions statement fails is read again page by page: every caller still gets its page.
      texts.length = 0;
      failNext = true;
      const again = await Promise.all(asks.map(([offset, query]) => list(offset, query)));
      expect(again).toEqual(alone);
      expect(texts.some((t) => t === 'ROLLBACK')).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
  it("a list's totalRecords is counted from the list index alone, without reading the jobs' table pages (ADR 087)", async () => {
    const { tenant, alice, admin } = users();
    // 3,000 finished jobs of one tenant (2,000 of them alice's) among 30,000 of other tenants,
    // then a VACUUM (as autovacuum leaves finished jobs: their pages all-visible).
    const others = `others-${randomUUID()}`;
    await pool.query(
      `INSERT INTO job_queue.job (id, tenant, type, status, payload, principal, submitted_by, max_attempts, completed_at)
       SELECT gen_random_uuid(), $1 || (g % 10), 'porter-test.noop', 'succeeded', '{}', '{}', 'u', 3, clock_timestamp()
       FROM generate_series(1, 30000) g`,
      [others],
    );
    await pool.query(
      `INSERT INTO job_queue.job (id, tenant, type, status, payload, principal, submitted_by, max_attempts, completed_at)
       SELECT gen_random_uuid(), $1, CASE WHEN g % 2 = 0 THEN 'porter-test.noop' ELSE 'porter-test.other' END,
              CASE WHEN g % 3 = 0 THEN 'failed' ELSE 'succeeded' END, '{}', '{}',
              CASE WHEN g % 3 = 2 THEN 'bob' ELSE $2 END, 3, clock_timestamp()
       FROM generate_series(1, 3000) g`,
      [tenant, alice.userId],
    );
    await pool.query('VACUUM ANALYZE job_queue.job');
    const lists: Array<[string, ListJobsQuery, number]> = [
      ['every job (admin)', new ListJobsQuery(admin, {}), 3000],
      ['by status', new ListJobsQuery(admin, { status: 'failed' as JobStatus }), 1000],
      ['by type', new ListJobsQuery(admin, { type: 'porter-test.noop' }), 1500],
      ["a user's own", new ListJobsQuery(alice, {}), 2000],
      ["a user's own, by status and type", new ListJobsQuery(alice, { status: 'succeeded' as JobStatus, type: 'porter-test.noop' }), 500],
    ];
    try {
      for (const [what, query, total] of lists) {
        let page: { totalRecords: number } | undefined;
        const counts = await statementsSent(pool, (text) => text.startsWith('SELECT count(*)'), async () => (page = await api.get(QueryBus).execute(query)));
        expect({ what, total: page?.totalRecords }).toEqual({ what, total });
        expect(counts).toHaveLength(1);
        const scans = (await explainScans(pool, counts[0].text, counts[0].values, 'job')).map(({ type, heapFetches }) => ({ type, heapFetches }));
        expect({ what, scans }).toEqual({ what, scans: [{ type: 'Index Only Scan', heapFetches: 0 }] });
      }
    } finally {
      await deleteJobs(pool, 'tenant = $1 OR tenant LIKE $2', [tenant, `${others}%`]);
    }
  });
});

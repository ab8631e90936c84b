import { TestingModule } from '@nestjs/testing';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Client, Pool } from 'pg';
import { PG_POOL } from '@porter/platform';
import { CancelJobCommand } from '../../public/actions/cancel-job.command';
import { JobTransition, JobTransitionCursor, JobTransitionPage, ListJobTransitionsQuery } from '../../public/queries/list-job-transitions.query';
import { jobQueueContext, submit, users, waitFor } from '../../test-support/job-queue-test-context';

/**
 * The feed other modules follow (webhooks): a reader that stores `next` misses no transition,
 * even one committed late by a transaction that started before transitions already read.
 */
describe('ListJobTransitionsQuery (Postgres)', () => {
  let ctx: TestingModule;
  let pool: Pool;
  const read = (after: JobTransitionCursor | null): Promise<JobTransitionPage> => ctx.get(QueryBus).execute(new ListJobTransitionsQuery(after, 1000));
  const mine = (page: JobTransitionPage, jobIds: string[]): JobTransition[] => page.items.filter((t) => jobIds.includes(t.jobId));

  beforeAll(async () => {
    ctx = await jobQueueContext({ worker: false });
    pool = ctx.get(PG_POOL);
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('starts at the present, then returns terminal transitions with tenant and job type', async () => {
    const { alice, tenant } = users();
    const before = await submit(ctx, alice, 'porter-test.steps', {}, { scheduledFor: new Date(Date.now() + 3600_000) });
    await ctx.get(CommandBus).execute(new CancelJobCommand(alice, before));
    const start = await read(null);
    expect(start.items).toEqual([]);
    const jobId = await submit(ctx, alice, 'porter-test.steps', {}, { scheduledFor: new Date(Date.now() + 3600_000) });
    await ctx.get(CommandBus).execute(new CancelJobCommand(alice, jobId));
    const page = await waitFor(async () => {
      const p = await read(start.next);
      return mine(p, [jobId]).some((t) => t.final) ? p : null;
    }, { timeoutMs: 20_000, what: "the transition" });
    expect(mine(page, [jobId, before])).toEqual([expect.objectContaining({ jobId, tenant, jobType: 'porter-test.steps', status: 'cancelled', final: true })]);
  });

  it('does not move past a transition an older, still running transaction may precede — and returns that one when it commits', async () => {
    const { alice } = users();
    const [early, late] = [
      await submit(ctx, alice, 'porter-test.steps', {}, { scheduledFor: new Date(Date.now() + 3600_000) }),
      await submit(ctx, alice, 'porter-test.steps', {}, { scheduledFor: new Date(Date.now() + 3600_000) }),
    ];
    const start = (await read(null)).next;
    // A transaction that starts (takes its id) first and commits last.
    const slow = new Client({ connectionString: process.env.DATABASE_URL });
    await slow.connect();
    try {
      await slow.query('BEGIN');
      await slow.query('SELECT pg_current_xact_id()');
      await ctx.get(CommandBus).execute(new CancelJobCommand(alice, early));
      const during = await waitFor(async () => {
        const p = await read(start);
        return mine(p, [early]).length ? p : null;
      }, { timeoutMs: 20_000, what: "the transition" });
      // Committed, so returned — but not final, and the cursor stays before it.
      expect(mine(during, [early])).toEqual([expect.objectContaining({ final: false })]);
      expect(during.next).toEqual(start);
      // The slow transaction writes a transition (its event id is the higher one) and commits.
      await slow.query(`INSERT INTO job_queue.job_event (job_id, type, actor) VALUES ($1, 'cancelled', 'test')`, [late]);
      await slow.query('COMMIT');
    } finally {
      await slow.end();
    }
    const after = await waitFor(async () => {
      const p = await read(start);
      return mine(p, [early, late]).every((t) => t.final) && mine(p, [early, late]).length === 2 ? p : null;
    }, { timeoutMs: 20_000, what: "the transition" });
    // In transaction order: the late commit comes first, and a reader that kept `start` sees it.
    expect(mine(after, [early, late]).map((t) => t.jobId)).toEqual([late, early]);
    const { rows } = await pool.query(`SELECT job_id, id FROM job_queue.job_event WHERE job_id = ANY($1) AND type = 'cancelled' ORDER BY id`, [[early, late]]);
    expect(rows.map((r) => r.job_id)).toEqual([early, late]);
  });
});

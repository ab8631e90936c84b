import { randomUUID } from 'crypto';
import { QueryBus } from '@nestjs/cqrs';
import { Test, TestingModule } from '@nestjs/testing';
import type { Pool } from 'pg';
import { ImportsModule } from '@porter/imports';
import { JobQueueModule } from '@porter/job-queue';
import { PG_POOL, PlatformModule, PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { Principal } from '@porter/shared-kernel';
import { WEBHOOK_REPOSITORY, WebhookRepository } from '../../application/ports/webhook.ports';
import { WebhookDispatch } from '../../application/webhook-dispatch';
import { WebhooksModule } from '../../webhooks.module';
import { WebhookFeedStart } from '../webhook-feed-start';
import { WebhookEventFeed } from './webhook-event-feed';

/**
 * The job-transition feed on Postgres (ADR 045): a crash partway through a page loses and
 * duplicates nothing, and two workers reading at once make each event once. Jobs of a test type
 * (not exports), so only the job-queue's transitions are read.
 */
describe('WebhookEventFeed (Postgres): job transitions → events, once', () => {
  let ctx: TestingModule;
  let pool: Pool;
  let repo: WebhookRepository;
  let dispatch: WebhookDispatch;
  const feed = (through: WebhookDispatch = dispatch) =>
    new WebhookEventFeed(ctx.get(QueryBus), through, repo, ctx.get<PorterConfig>(PORTER_CONFIG));
  const drain = async (f: WebhookEventFeed) => {
    while (await f.readJobTransitions());
  };

  beforeAll(async () => {
    ctx = await Test.createTestingModule({ imports: [PlatformModule, JobQueueModule, ImportsModule, WebhooksModule] }).compile();
    await ctx.init();
    pool = ctx.get(PG_POOL);
    repo = ctx.get(WEBHOOK_REPOSITORY);
    dispatch = ctx.get(WebhookDispatch);
    // Brings the shared cursor to the present (other specs of the run may have moved it, or not).
    await drain(feed());
  });
  afterAll(async () => {
    await ctx?.close();
  });

  async function tenantWithEndpoint(): Promise<string> {
    const tenant = `t-${randomUUID()}`;
    const now = new Date().toISOString();
    await repo.insertEndpoint({
      id: randomUUID(), tenant, url: 'https://hooks.example.com/feed', events: ['*'], description: null, enabled: true,
      createdAt: now, updatedAt: now, disabledAt: null, disabledReason: null, secretSealed: 'v1.x.y.z',
      owner: new Principal('ada', tenant, ['admin']).toJSON(),
    });
    return tenant;
  }

  /** `n` jobs of the tenant that reach `succeeded`, each with its terminal event, in one transaction. */
  async function finishJobs(tenant: string, n: number): Promise<string[]> {
    const ids = Array.from({ length: n }, () => randomUUID());
    await pool.query(
      `WITH j AS (
         INSERT INTO job_queue.job (id, tenant, type, status, principal, submitted_by, attempts, max_attempts, started_at, completed_at)
         SELECT id, $2, 'feed.test', 'succeeded', '{}'::jsonb, 'ada', 1, 3, clock_timestamp(), clock_timestamp() FROM unnest($1::uuid[]) AS id
         RETURNING id
       )
       INSERT INTO job_queue.job_event (job_id, type, actor, data) SELECT id, 'succeeded', 'worker', '{}'::jsonb FROM j`,
      [ids, tenant],
    );
    return ids;
  }

  const eventsOf = async (tenant: string) =>
    (await pool.query<{ type: string; job_id: string }>(`SELECT type, data->>'jobId' AS job_id FROM webhooks.event WHERE tenant = $1`, [tenant])).rows;
  const deliveriesOf = async (tenant: string) => (await pool.query(`SELECT count(*)::int AS n FROM webhooks.delivery WHERE tenant = $1`, [tenant])).rows[0].n;

  it('a crash partway through a page writes nothing of it; the next read makes every event exactly once', async () => {
    const tenant = await tenantWithEndpoint();
    const ids = await finishJobs(tenant, 30);
    const cursorBefore = (await pool.query(`SELECT position FROM webhooks.feed_cursor WHERE name = 'job-transitions'`)).rows[0]?.position;
    // The process "dies" at the 10th event of the page: the emit throws, the page's transaction rolls back.
    let emitted = 0;
    const dying = Object.create(dispatch, {
      emit: {
        value: async (...args: Parameters<WebhookDispatch['emit']>) => {
          if (++emitted === 10) throw new Error('killed mid-page');
          return dispatch.emit(...args);
        },
      },
    }) as WebhookDispatch;
    await expect(feed(dying).readJobTransitions()).rejects.toThrow('killed mid-page');
    expect(await eventsOf(tenant)).toEqual([]);
    expect(await deliveriesOf(tenant)).toBe(0);
    expect((await pool.query(`SELECT position FROM webhooks.feed_cursor WHERE name = 'job-transitions'`)).rows[0]?.position).toEqual(cursorBefore);

    await drain(feed());
    const events = await eventsOf(tenant);
    expect(events).toHaveLength(30);
    expect(new Set(events.map((e) => e.job_id))).toEqual(new Set(ids));
    expect(events.every((e) => e.type === 'job.succeeded')).toBe(true);
    expect(await deliveriesOf(tenant)).toBe(30);
    // Read again: nothing new.
    await drain(feed());
    expect(await eventsOf(tenant)).toHaveLength(30);
  });

  it("a fresh install's feed starts when the first process starts, not at the feed's first read: jobs that end in between are not skipped", async () => {
    const cursor = async () => (await pool.query(`SELECT position FROM webhooks.feed_cursor WHERE name = 'job-transitions'`)).rows[0]?.position;
    const unplace = () => pool.query(`UPDATE webhooks.feed_cursor SET position = NULL WHERE name = 'job-transitions'`);
    const start = ctx.get(WebhookFeedStart);
    try {
      // What the feed alone does on a fresh install: it places its cursor at its first read, so
      // jobs that ended before that read (the first polling interval) made no event.
      const before = await tenantWithEndpoint();
      await unplace();
      await finishJobs(before, 3);
      await drain(feed());
      expect(await eventsOf(before)).toEqual([]);

      // With the start placed when a process starts (WebhookFeedStart, at bootstrap), before the jobs end.
      const after = await tenantWithEndpoint();
      await unplace();
      expect(await start.placeUnplacedCursors()).toContain('job-transitions');
      const placed = await cursor();
      expect(placed).not.toBeNull();
      const ids = await finishJobs(after, 3);
      // A second process starting moves nothing.
      expect(await start.placeUnplacedCursors()).not.toContain('job-transitions');
      expect(await cursor()).toEqual(placed);
      await drain(feed());
      expect(new Set((await eventsOf(after)).map((e) => e.job_id))).toEqual(new Set(ids));
    } finally {
      // Never left unplaced for the specs that follow.
      if ((await cursor()) === null) await drain(feed());
    }
  });

  it('two workers reading the feed at once make each event once, with one delivery and one attempt job each', async () => {
    const tenant = await tenantWithEndpoint();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(...(await finishJobs(tenant, 100)));
    const [a, b] = [feed(), feed()];
    await Promise.all([drain(a), drain(b), drain(a), drain(b)]);
    // A drain stops at a full page whose last transition is not final yet: one that a transaction
    // running anywhere on the Postgres server (another database's, when specs run in parallel)
    // could still be overtaken by (ADR 045). The feed's next reads go on from there, as its
    // polling would.
    for (let reads = 0; (await eventsOf(tenant)).length < 500 && reads < 100; reads++) {
      await drain(reads % 2 ? a : b);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const events = await eventsOf(tenant);
    expect(events).toHaveLength(500);
    expect(new Set(events.map((e) => e.job_id))).toEqual(new Set(ids));
    expect(await deliveriesOf(tenant)).toBe(500);
    const jobs = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE tenant = $1 AND type = 'webhook.deliver'`, [tenant]);
    expect(jobs.rows[0].n).toBe(500);
  });
});

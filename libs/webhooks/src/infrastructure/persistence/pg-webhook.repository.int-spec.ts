import { randomUUID } from 'crypto';
import { Test, TestingModule } from '@nestjs/testing';
import type { Pool } from 'pg';
import { JobQueueModule } from '@porter/job-queue';
import { PG_POOL, PlatformModule } from '@porter/platform';
import { Principal } from '@porter/shared-kernel';
import { EndpointRecord, WEBHOOK_REPOSITORY, WebhookRepository } from '../../application/ports/webhook.ports';
import { WebhookDispatch } from '../../application/webhook-dispatch';
import { WebhooksModule } from '../../webhooks.module';

/** The webhook tables on Postgres: idempotent event creation, fenced attempts, disabling, purge. */
describe('PgWebhookRepository (Postgres)', () => {
  let ctx: TestingModule;
  let repo: WebhookRepository;
  let dispatch: WebhookDispatch;
  let pool: Pool;

  beforeAll(async () => {
    ctx = await Test.createTestingModule({ imports: [PlatformModule, JobQueueModule, WebhooksModule] }).compile();
    await ctx.init();
    repo = ctx.get(WEBHOOK_REPOSITORY);
    dispatch = ctx.get(WebhookDispatch);
    pool = ctx.get(PG_POOL);
  });
  afterAll(async () => {
    await ctx?.close();
  });

  const endpoint = async (tenant: string, events: string[], enabled = true): Promise<EndpointRecord> => {
    const now = new Date().toISOString();
    const record: EndpointRecord = {
      id: randomUUID(),
      tenant,
      url: 'https://hooks.example.com/x',
      events,
      description: null,
      enabled,
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
      disabledReason: null,
      secretSealed: 'v1.x.y.z',
      owner: new Principal('ada', tenant, ['admin']).toJSON(),
    };
    await repo.insertEndpoint(record);
    return record;
  };
  const emit = (tenant: string, type: string, sourceKey: string) => dispatch.transaction(() => repo.createEvent({ tenant, type, sourceKey, data: { n: 1 } }));

  it('creates an event once per source, with one delivery per enabled endpoint that subscribes', async () => {
    const tenant = `t-${randomUUID()}`;
    const all = await endpoint(tenant, ['*']);
    const exportsOnly = await endpoint(tenant, ['export.ready']);
    await endpoint(tenant, ['job.failed']);
    await endpoint(tenant, ['*'], false);
    await endpoint(`t-${randomUUID()}`, ['*']);
    const source = `test:${randomUUID()}`;
    const first = await emit(tenant, 'export.ready', source);
    expect(first?.deliveryIds).toHaveLength(2);
    expect(await emit(tenant, 'export.ready', source)).toBeNull();
    const { rows } = await pool.query(`SELECT endpoint_id FROM webhooks.delivery WHERE event_id = $1 ORDER BY endpoint_id`, [first!.eventId]);
    expect(rows.map((r) => r.endpoint_id)).toEqual([all.id, exportsOnly.id].sort());
  });

  it('stores nothing for a tenant without a subscribed endpoint', async () => {
    const tenant = `t-${randomUUID()}`;
    await endpoint(tenant, ['job.failed']);
    const source = `test:${randomUUID()}`;
    expect(await emit(tenant, 'export.ready', source)).toBeNull();
    expect((await pool.query(`SELECT 1 FROM webhooks.event WHERE source_key = $1`, [source])).rowCount).toBe(0);
  });

  it('records an attempt only once (a rerun after a crash records nothing twice) and disables a long-failing endpoint', async () => {
    const tenant = `t-${randomUUID()}`;
    const hook = await endpoint(tenant, ['*']);
    const created = await emit(tenant, 'job.failed', `test:${randomUUID()}`);
    const deliveryId = created!.deliveryIds[0];
    const t0 = new Date('2026-12-01T00:00:00Z');
    const fail = (attempt: number, at: Date) =>
      dispatch.transaction(() =>
        repo.recordAttempt(deliveryId, { attempt, at, succeeded: false, statusCode: 500, error: 'HTTP 500', responseBody: 'no', nextAttemptAt: new Date(at.getTime() + 1000), countsForEndpoint: true }, 3600_000),
      );
    expect(await fail(1, t0)).toEqual({ recorded: true, disabled: false });
    expect(await fail(1, t0)).toEqual({ recorded: false, disabled: false });
    expect(await fail(3, t0)).toEqual({ recorded: false, disabled: false });
    expect(await fail(2, new Date(t0.getTime() + 3599_000))).toEqual({ recorded: true, disabled: false });
    expect(await fail(3, new Date(t0.getTime() + 3600_000))).toEqual({ recorded: true, disabled: true });
    const after = await repo.getEndpoint(tenant, hook.id);
    expect(after).toMatchObject({ enabled: false, disabledReason: expect.stringContaining('every delivery failed since 2026-12-01T00:00:00.000Z') });
    const log = await pool.query(`SELECT type FROM webhooks.endpoint_log WHERE endpoint_id = $1`, [hook.id]);
    expect(log.rows).toEqual([{ type: 'webhook.disabled' }]);
    const page = await repo.listDeliveries(tenant, hook.id, undefined, 0, 10);
    expect(page.items[0]).toMatchObject({ attempts: 3, status: 'pending', lastStatusCode: 500 });
  });

  it('records an attempt in the lock order of an endpoint delete (endpoint, then deliveries): a delete mid-record never deadlocks', async () => {
    const tenant = `t-${randomUUID()}`;
    const hook = await endpoint(tenant, ['*']);
    const deliveryId = (await emit(tenant, 'job.failed', `test:${randomUUID()}`))!.deliveryIds[0];
    // A delete in flight: it holds the endpoint's row, and will next delete its deliveries (the cascade).
    const deleter = await pool.connect();
    try {
      await deleter.query('BEGIN');
      await deleter.query(`SET LOCAL lock_timeout = '10s'`);
      await deleter.query(`SELECT id FROM webhooks.endpoint WHERE id = $1 FOR UPDATE`, [hook.id]);
      // The attempt is recorded meanwhile: it must wait for the endpoint before it touches the delivery.
      const recording = dispatch.transaction(() =>
        repo.recordAttempt(deliveryId, { attempt: 1, at: new Date(), succeeded: false, statusCode: 500, error: 'HTTP 500', responseBody: null, nextAttemptAt: new Date(), countsForEndpoint: true }, 3600_000),
      );
      await new Promise((r) => setTimeout(r, 300));
      // Recording the delivery first, then the endpoint, made this wait on the recorder, which waited
      // on the deleter: Postgres' deadlock detector then failed one of them (a 500 for DELETE /webhooks/{id}).
      await deleter.query(`DELETE FROM webhooks.endpoint WHERE id = $1`, [hook.id]);
      await deleter.query('COMMIT');
      // The endpoint and its deliveries are gone: nothing to record, and no error.
      expect(await recording).toEqual({ recorded: false, disabled: false });
    } finally {
      deleter.release();
    }
    expect(await repo.getEndpoint(tenant, hook.id)).toBeNull();
  });

  it('purges old events whose deliveries have all ended, keeping pending ones', async () => {
    const tenant = `t-${randomUUID()}`;
    await endpoint(tenant, ['*']);
    const ended = await emit(tenant, 'job.failed', `test:${randomUUID()}`);
    const pending = await emit(tenant, 'job.failed', `test:${randomUUID()}`);
    await dispatch.transaction(() =>
      repo.recordAttempt(ended!.deliveryIds[0], { attempt: 1, at: new Date(), succeeded: true, statusCode: 200, error: null, responseBody: '', nextAttemptAt: null, countsForEndpoint: true }, 3600_000),
    );
    await pool.query(`UPDATE webhooks.event SET created_at = now() - interval '40 days' WHERE id = ANY($1)`, [[ended!.eventId, pending!.eventId]]);
    await repo.purgeEvents(new Date(Date.now() - 30 * 86400_000), 1000);
    const { rows } = await pool.query(`SELECT id FROM webhooks.event WHERE id = ANY($1)`, [[ended!.eventId, pending!.eventId]]);
    expect(rows.map((r) => r.id)).toEqual([pending!.eventId]);
    expect((await pool.query(`SELECT 1 FROM webhooks.delivery WHERE event_id = $1`, [ended!.eventId])).rowCount).toBe(0);
  });
});

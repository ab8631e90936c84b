import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import type { Pool } from 'pg';
import { PG_POOL } from '@porter/platform';
import { isUuid, newId, NotFoundError, Page, SortOrder, sqlDirection } from '@porter/shared-kernel';
import type { AttemptOutcome, DeliveryToSend, EndpointRecord, WebhookRepository } from '../../application/ports/webhook.ports';
import type { WebhookDeliveryInfo, WebhookDeliveryStatus } from '../../public/entities/webhook-info';

type Row = Record<string, any>;
const iso = (value: unknown): string | null => (value ? new Date(value as string).toISOString() : null);

function toEndpoint(r: Row): EndpointRecord {
  return {
    id: r.id,
    tenant: r.tenant,
    url: r.url,
    events: r.events,
    description: r.description,
    enabled: r.enabled,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    disabledAt: iso(r.disabled_at),
    disabledReason: r.disabled_reason,
    secretSealed: r.secret_encrypted,
    owner: r.owner,
  };
}

function toDelivery(r: Row): WebhookDeliveryInfo {
  return {
    id: r.id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    lastStatusCode: r.last_status_code,
    lastError: r.last_error,
    lastResponseBody: r.last_response_body,
    nextAttemptAt: iso(r.next_attempt_at),
    createdAt: iso(r.created_at)!,
    deliveredAt: iso(r.delivered_at),
  };
}

/**
 * Reads and plain writes go through the pg pool; what must commit with the jobs that send a
 * delivery goes through the injected EntityManager, which resolves to the caller's transaction
 * (WebhookDispatch.transaction; knex `?` placeholders, arrays travel as JSON so knex does not expand them).
 */
@Injectable()
export class PgWebhookRepository implements WebhookRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly em: EntityManager,
  ) {}

  async insertEndpoint(e: EndpointRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO webhooks.endpoint (id, tenant, url, events, description, enabled, secret_encrypted, owner, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
      [e.id, e.tenant, e.url, e.events, e.description, e.enabled, e.secretSealed, JSON.stringify(e.owner), e.createdAt],
    );
  }

  async getEndpoint(tenant: string, id: string): Promise<EndpointRecord | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.pool.query(`SELECT * FROM webhooks.endpoint WHERE tenant = $1 AND id = $2`, [tenant, id]);
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async listEndpoints(tenant: string, offset: number, limit: number, order?: SortOrder): Promise<Page<EndpointRecord>> {
    const { rows } = await this.pool.query(
      `SELECT *, count(*) OVER () AS total FROM webhooks.endpoint WHERE tenant = $1 ORDER BY ${byCreation('created_at', 'id', order)} OFFSET $2 LIMIT $3`,
      [tenant, offset, limit],
    );
    const total = rows[0] ? Number(rows[0].total) : (await this.pool.query(`SELECT count(*)::int AS n FROM webhooks.endpoint WHERE tenant = $1`, [tenant])).rows[0].n;
    return { items: rows.map(toEndpoint), totalRecords: total };
  }

  async updateEndpoint(tenant: string, id: string, changes: { url?: string; events?: string[]; description?: string | null; enabled?: boolean }): Promise<EndpointRecord | null> {
    if (!isUuid(id)) return null;
    const sets: string[] = [];
    const params: unknown[] = [tenant, id];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (changes.url !== undefined) set('url', changes.url);
    if (changes.events !== undefined) set('events', changes.events);
    if (changes.description !== undefined) set('description', changes.description);
    if (changes.enabled !== undefined) {
      set('enabled', changes.enabled);
      // Enabling again starts a fresh health record; disabling by hand is not Porter's doing.
      sets.push('failing_since = NULL', 'disabled_at = NULL', 'disabled_reason = NULL');
    }
    sets.push('updated_at = clock_timestamp()');
    const { rows } = await this.pool.query(`UPDATE webhooks.endpoint SET ${sets.join(', ')} WHERE tenant = $1 AND id = $2 RETURNING *`, params);
    return rows[0] ? toEndpoint(rows[0]) : null;
  }

  async deleteEndpoint(tenant: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const { rowCount } = await this.pool.query(`DELETE FROM webhooks.endpoint WHERE tenant = $1 AND id = $2`, [tenant, id]);
    return (rowCount ?? 0) > 0;
  }

  async setSecret(tenant: string, id: string, sealed: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE webhooks.endpoint SET secret_encrypted = $3, updated_at = clock_timestamp() WHERE tenant = $1 AND id = $2`,
      [tenant, id, sealed],
    );
    return (rowCount ?? 0) > 0;
  }

  async listDeliveries(tenant: string, endpointId: string, status: WebhookDeliveryStatus | undefined, offset: number, limit: number, order?: SortOrder): Promise<Page<WebhookDeliveryInfo>> {
    const params: unknown[] = [tenant, endpointId];
    let where = `d.tenant = $1 AND d.endpoint_id = $2`;
    if (status) {
      params.push(status);
      where += ` AND d.status = $${params.length}`;
    }
    const total = (await this.pool.query(`SELECT count(*)::int AS n FROM webhooks.delivery d WHERE ${where}`, params)).rows[0].n;
    const { rows } = await this.pool.query(
      `SELECT d.*, e.type AS event_type FROM webhooks.delivery d JOIN webhooks.event e ON e.id = d.event_id
        WHERE ${where} ORDER BY ${byCreation('d.created_at', 'd.id', order)} OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
      [...params, offset, limit],
    );
    return { items: rows.map(toDelivery), totalRecords: total };
  }

  async createEvent(event: { tenant: string; type: string; sourceKey: string; data: Record<string, unknown>; onlyEndpointId?: string }): Promise<{ eventId: string; deliveryIds: string[] } | null> {
    const matches = `e.tenant = ? AND e.enabled AND (CASE WHEN ?::text IS NOT NULL THEN e.id = ?::uuid ELSE (? = ANY (e.events) OR '*' = ANY (e.events)) END)`;
    const match = [event.tenant, event.onlyEndpointId ?? null, event.onlyEndpointId ?? null, event.type];
    const eventId = newId();
    // One statement: the event is created only when some endpoint wants it (a tenant without
    // webhooks stores nothing), and only once per source; its deliveries in the same breath.
    let rows: Array<{ id: string; event_id: string }>;
    try {
      rows = await this.em.execute<Array<{ id: string; event_id: string }>>(
        `WITH ev AS (
           INSERT INTO webhooks.event (id, tenant, type, source_key, data)
           SELECT ?, ?, ?, ?, ?::jsonb WHERE EXISTS (SELECT 1 FROM webhooks.endpoint e WHERE ${matches})
           ON CONFLICT (source_key) DO NOTHING RETURNING id)
         INSERT INTO webhooks.delivery (id, endpoint_id, event_id, tenant, status, next_attempt_at)
         SELECT gen_random_uuid(), e.id, ev.id, e.tenant, 'pending', clock_timestamp() FROM ev, webhooks.endpoint e WHERE ${matches}
         ON CONFLICT (endpoint_id, event_id) DO NOTHING
         RETURNING id, event_id`,
        [eventId, event.tenant, event.type, event.sourceKey, JSON.stringify(event.data), ...match, ...match],
        );
    } catch (error) {
      // An endpoint deleted while this statement waited for its row (the foreign key's check). The
      // transaction is lost either way; a ping answers 404, the event feed retries its batch.
      if ((error as { code?: string }).code === '23503') throw new NotFoundError('Webhook', event.onlyEndpointId ?? '(deleted while its event was created)');
      throw error;
    }
    return rows.length ? { eventId, deliveryIds: rows.map((r) => r.id) } : null;
  }

  async reopenDelivery(tenant: string, endpointId: string, deliveryId: string): Promise<number | null> {
    if (!isUuid(deliveryId) || !isUuid(endpointId)) return null;
    const rows = await this.em.execute<Array<{ attempts: number }>>(
      `UPDATE webhooks.delivery SET status = 'pending', next_attempt_at = clock_timestamp()
        WHERE tenant = ? AND endpoint_id = ? AND id = ? AND status <> 'pending' RETURNING attempts`,
      [tenant, endpointId, deliveryId],
    );
    return rows[0] ? rows[0].attempts + 1 : null;
  }

  async deliveryStatus(tenant: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryStatus | null> {
    if (!isUuid(deliveryId)) return null;
    const { rows } = await this.pool.query(`SELECT status FROM webhooks.delivery WHERE tenant = $1 AND endpoint_id = $2 AND id = $3`, [tenant, endpointId, deliveryId]);
    return rows[0]?.status ?? null;
  }

  async loadForSending(deliveryId: string): Promise<DeliveryToSend | null> {
    const { rows } = await this.pool.query(
      `SELECT d.id AS delivery_id, d.status AS delivery_status, d.attempts, d.created_at AS delivery_created_at,
              ev.id AS event_id, ev.type AS event_type, ev.data AS event_data, e.*
         FROM webhooks.delivery d JOIN webhooks.event ev ON ev.id = d.event_id JOIN webhooks.endpoint e ON e.id = d.endpoint_id
        WHERE d.id = $1`,
      [deliveryId],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.delivery_id,
      tenant: r.tenant,
      status: r.delivery_status,
      attempts: r.attempts,
      createdAt: new Date(r.delivery_created_at),
      eventId: r.event_id,
      eventType: r.event_type,
      eventData: r.event_data,
      endpoint: toEndpoint(r),
    };
  }

  async recordAttempt(deliveryId: string, o: AttemptOutcome, disableAfterMs: number): Promise<{ recorded: boolean; disabled: boolean }> {
    const status = o.succeeded ? 'succeeded' : o.nextAttemptAt ? 'pending' : 'failed';
    // The endpoint's row first, then the delivery's: the order in which deleting an endpoint locks
    // them (its row, then its deliveries by cascade). Delivery first, then endpoint (the health
    // update below) deadlocked with a DELETE /webhooks/{id} made while an attempt was recorded.
    // Gone (deleted since the attempt was sent): its deliveries went with it; nothing to record.
    const endpoint = await this.em.execute<Array<{ id: string }>>(
      `SELECT e.id FROM webhooks.endpoint e JOIN webhooks.delivery d ON d.endpoint_id = e.id WHERE d.id = ? FOR NO KEY UPDATE OF e`,
      [deliveryId],
    );
    if (!endpoint[0]) return { recorded: false, disabled: false };
    const rows = await this.em.execute<Array<{ endpoint_id: string; tenant: string }>>(
      `UPDATE webhooks.delivery SET attempts = ?, status = ?, last_status_code = ?, last_error = ?, last_response_body = ?,
              next_attempt_at = ?, delivered_at = CASE WHEN ? THEN ?::timestamptz ELSE delivered_at END
        WHERE id = ? AND attempts = ? - 1 AND status = 'pending' RETURNING endpoint_id, tenant`,
      [o.attempt, status, o.statusCode, o.error, o.responseBody, o.nextAttemptAt, o.succeeded, o.at, deliveryId, o.attempt],
    );
    if (!rows[0]) return { recorded: false, disabled: false };
    if (!o.countsForEndpoint) return { recorded: true, disabled: false };
    const endpointId = rows[0].endpoint_id;
    if (o.succeeded) {
      await this.em.execute(`UPDATE webhooks.endpoint SET failing_since = NULL WHERE id = ?`, [endpointId]);
      return { recorded: true, disabled: false };
    }
    // Failing continuously since the first failure after the last success.
    const health = await this.em.execute<Array<{ failing_since: string }>>(
      `UPDATE webhooks.endpoint SET failing_since = coalesce(failing_since, ?::timestamptz) WHERE id = ? RETURNING failing_since`,
      [o.at, endpointId],
    );
    const since = health[0] ? new Date(health[0].failing_since) : o.at;
    if (o.at.getTime() - since.getTime() < disableAfterMs) return { recorded: true, disabled: false };
    const reason = `every delivery failed since ${since.toISOString()} (last: ${o.error ?? `HTTP ${o.statusCode}`})`;
    const disabled = await this.em.execute<Array<{ id: string }>>(
      `UPDATE webhooks.endpoint SET enabled = false, disabled_at = ?, disabled_reason = ?, updated_at = clock_timestamp()
        WHERE id = ? AND enabled RETURNING id`,
      [o.at, reason, endpointId],
    );
    if (disabled[0]) {
      await this.em.execute(`INSERT INTO webhooks.endpoint_log (endpoint_id, tenant, type, data, at) VALUES (?, ?, 'webhook.disabled', ?::jsonb, ?)`, [
        endpointId,
        rows[0].tenant,
        JSON.stringify({ reason, failingSince: since.toISOString(), lastDeliveryId: deliveryId }),
        o.at,
      ]);
    }
    return { recorded: true, disabled: !!disabled[0] };
  }

  async purgeEvents(before: Date, limit: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM webhooks.event WHERE id IN (
         SELECT e.id FROM webhooks.event e
          WHERE e.created_at < $1 AND NOT EXISTS (SELECT 1 FROM webhooks.delivery d WHERE d.event_id = e.id AND d.status = 'pending')
          LIMIT $2)`,
      [before, limit],
    );
    return rowCount ?? 0;
  }

  async lockCursor(name: string): Promise<{ position: Record<string, string> | null } | null> {
    const rows = await this.em.execute<Array<{ position: Record<string, string> | null }>>(
      `SELECT position FROM webhooks.feed_cursor WHERE name = ? FOR UPDATE SKIP LOCKED`,
      [name],
    );
    return rows[0] ? { position: rows[0].position } : null;
  }

  async firstSight(feed: string, key: string, final: boolean): Promise<boolean> {
    if (final) {
      const forgotten = await this.em.execute<Array<{ key: string }>>(`DELETE FROM webhooks.feed_seen WHERE feed = ? AND key = ? RETURNING key`, [feed, key]);
      return forgotten.length === 0;
    }
    const remembered = await this.em.execute<Array<{ key: string }>>(
      `INSERT INTO webhooks.feed_seen (feed, key) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING key`,
      [feed, key],
    );
    return remembered.length > 0;
  }

  async saveCursor(name: string, position: Record<string, string>): Promise<void> {
    await this.em.execute(`UPDATE webhooks.feed_cursor SET position = ?::jsonb WHERE name = ?`, [JSON.stringify(position), name]);
  }

  async unplacedCursors(): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>(`SELECT name FROM webhooks.feed_cursor WHERE position IS NULL ORDER BY name`);
    return rows.map((r) => r.name);
  }

  async placeCursor(name: string, position: Record<string, string>): Promise<boolean> {
    const rows = await this.em.execute<Array<{ name: string }>>(
      `UPDATE webhooks.feed_cursor SET position = ?::jsonb WHERE name = ? AND position IS NULL RETURNING name`,
      [JSON.stringify(position), name],
    );
    return rows.length > 0;
  }
}

/** A creation-time order, newest first unless `order` is 'oldest'; the id breaks ties the other way round, so that 'oldest' is exactly 'newest' reversed. */
function byCreation(createdAt: string, id: string, order: SortOrder | undefined): string {
  const direction = sqlDirection(order);
  return `${createdAt} ${direction}, ${id} ${direction === 'DESC' ? 'ASC' : 'DESC'}`;
}

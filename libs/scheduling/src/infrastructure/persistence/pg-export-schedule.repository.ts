import { Inject, Injectable } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { PG_POOL, withPgTransaction } from '@porter/platform';
import { newId, Page, PageRequest, Principal, sqlDirection } from '@porter/shared-kernel';
import type {
  ExportScheduleRecord,
  ExportScheduleRepository,
  RetryBackoff,
  RunOutcome,
  ScheduleChanges,
  ScheduledExportRequest,
  ScheduleRunRecord,
  TickPlan,
} from '../../application/ports/export-schedule.repository.port';

type Row = Record<string, any>;

const SCHEDULE = 'scheduling.export_schedule';
const RUN = 'scheduling.export_schedule_run';

function toSchedule(row: Row): ExportScheduleRecord {
  return {
    id: row.id,
    tenant: row.tenant,
    ownerId: row.owner_id,
    ownerKind: row.owner_kind,
    ownerPrincipal: row.owner_principal,
    ownerRevokedAt: row.owner_revoked_at,
    ownerRevokedReason: row.owner_revoked_reason,
    name: row.name,
    type: row.type,
    format: row.format,
    filters: row.filters ?? {},
    scopeIds: row.scope_ids ?? [],
    columns: row.columns,
    compression: row.compression,
    cron: row.cron,
    timezone: row.timezone,
    enabled: row.enabled,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastExportId: row.last_export_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRun(row: Row): ScheduleRunRecord {
  return {
    id: row.id,
    scheduleId: row.schedule_id,
    tenant: row.tenant,
    tickAt: row.tick_at,
    trigger: row.trigger,
    status: row.status,
    request: row.request,
    exportId: row.export_id,
    error: row.error,
    missedTicks: row.missed_ticks,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The schedule's request as a run freezes it. */
export function requestOf(schedule: ExportScheduleRecord): ScheduledExportRequest {
  return {
    type: schedule.type,
    format: schedule.format,
    filters: schedule.filters,
    scopeIds: schedule.scopeIds,
    columns: schedule.columns,
    compression: schedule.compression,
    name: schedule.name,
  };
}

// The visibility rule of domain/schedule-access.ts, in SQL: same tenant, and admin or owner.
const VISIBLE = `tenant = $1 AND ($2::boolean OR owner_id = $3)`;

const COLUMNS: Record<keyof ScheduleChanges, string> = {
  name: 'name',
  cron: 'cron',
  timezone: 'timezone',
  enabled: 'enabled',
  nextRunAt: 'next_run_at',
  ownerPrincipal: 'owner_principal',
  ownerKind: 'owner_kind',
  updatedAt: 'updated_at',
};

/** Plain `pg`: the tick claim needs FOR UPDATE SKIP LOCKED and one transaction it controls. */
@Injectable()
export class PgExportScheduleRepository implements ExportScheduleRepository {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async insert(s: ExportScheduleRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${SCHEDULE} (id, tenant, owner_id, owner_kind, owner_principal, owner_revoked_at, owner_revoked_reason, name, type, format,
         filters, scope_ids, columns, compression, cron, timezone, enabled, next_run_at, last_run_at, last_export_id, created_at, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22)`,
      [
        s.id, s.tenant, s.ownerId, s.ownerKind, JSON.stringify(s.ownerPrincipal), s.ownerRevokedAt, s.ownerRevokedReason, s.name, s.type, s.format,
        JSON.stringify(s.filters), s.scopeIds, s.columns, s.compression, s.cron, s.timezone, s.enabled, s.nextRunAt, s.lastRunAt, s.lastExportId,
        s.createdAt, s.updatedAt,
      ],
    );
  }

  async findVisible(principal: Principal, id: string): Promise<ExportScheduleRecord | null> {
    const { rows } = await this.pool.query(`SELECT * FROM ${SCHEDULE} WHERE id = $4 AND ${VISIBLE}`, [principal.tenant, principal.isAdmin, principal.userId, id]);
    return rows[0] ? toSchedule(rows[0]) : null;
  }

  async listVisible(principal: Principal, page: PageRequest): Promise<Page<ExportScheduleRecord>> {
    const params = [principal.tenant, principal.isAdmin, principal.userId];
    const [items, total] = await Promise.all([
      this.pool.query(`SELECT * FROM ${SCHEDULE} WHERE ${VISIBLE} ORDER BY created_at ${sqlDirection(page.order)}, id ${sqlDirection(page.order)} OFFSET $4 LIMIT $5`, [
        ...params,
        page.offset,
        page.limit,
      ]),
      this.pool.query(`SELECT count(*)::int AS n FROM ${SCHEDULE} WHERE ${VISIBLE}`, params),
    ]);
    return { items: items.rows.map(toSchedule), totalRecords: total.rows[0].n };
  }

  async update(id: string, changes: ScheduleChanges): Promise<ExportScheduleRecord | null> {
    const entries = Object.entries(changes).filter(([, v]) => v !== undefined) as Array<[keyof ScheduleChanges, unknown]>;
    if (!entries.length) {
      const { rows } = await this.pool.query(`SELECT * FROM ${SCHEDULE} WHERE id = $1`, [id]);
      return rows[0] ? toSchedule(rows[0]) : null;
    }
    const sets = entries.map(([key], i) => `${COLUMNS[key]} = $${i + 2}`);
    const values = entries.map(([key, value]) => (key === 'ownerPrincipal' ? JSON.stringify(value) : value));
    const { rows } = await this.pool.query(`UPDATE ${SCHEDULE} SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, [id, ...values]);
    return rows[0] ? toSchedule(rows[0]) : null;
  }

  async delete(id: string): Promise<boolean> {
    // Its runs first, then the schedule (whose cascade deletes the runs): the order in which a
    // settle locks them (its run, then the schedule's last_run_at). The schedule first deadlocked
    // with a run being settled at that moment, and Postgres failed one of the two.
    return withPgTransaction(this.pool, async (client) => {
      await client.query(`SELECT id FROM ${RUN} WHERE schedule_id = $1 ORDER BY id FOR UPDATE`, [id]);
      const { rowCount } = await client.query(`DELETE FROM ${SCHEDULE} WHERE id = $1`, [id]);
      return (rowCount ?? 0) > 0;
    });
  }

  async listRuns(scheduleId: string, page: PageRequest): Promise<Page<ScheduleRunRecord>> {
    const [items, total] = await Promise.all([
      this.pool.query(`SELECT * FROM ${RUN} WHERE schedule_id = $1 ORDER BY tick_at ${sqlDirection(page.order)}, id ${sqlDirection(page.order)} OFFSET $2 LIMIT $3`, [
        scheduleId,
        page.offset,
        page.limit,
      ]),
      this.pool.query(`SELECT count(*)::int AS n FROM ${RUN} WHERE schedule_id = $1`, [scheduleId]),
    ]);
    return { items: items.rows.map(toRun), totalRecords: total.rows[0].n };
  }

  async findRun(runId: string): Promise<ScheduleRunRecord | null> {
    const { rows } = await this.pool.query(`SELECT * FROM ${RUN} WHERE id = $1`, [runId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async claimDue(now: Date, limit: number, plan: (schedule: ExportScheduleRecord) => TickPlan): Promise<ScheduleRunRecord[]> {
    return withPgTransaction(this.pool, async (client) => {
      // SKIP LOCKED: a schedule another ticker is claiming right now is its business, not a wait.
      const due = await client.query(
        `SELECT * FROM ${SCHEDULE} WHERE enabled AND next_run_at IS NOT NULL AND next_run_at <= $1
         ORDER BY next_run_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [now, limit],
      );
      const claimed: ScheduleRunRecord[] = [];
      for (const row of due.rows) {
        const schedule = toSchedule(row);
        const tick = plan(schedule);
        const run = await this.insertRun(client, schedule, tick.tickAt, 'cron', tick.missedTicks, now);
        if (run) claimed.push(run);
        await client.query(`UPDATE ${SCHEDULE} SET next_run_at = $2 WHERE id = $1`, [schedule.id, tick.nextRunAt]);
      }
      return claimed;
    });
  }

  async insertManualRun(schedule: ExportScheduleRecord, tickAt: Date): Promise<ScheduleRunRecord | null> {
    const client = await this.pool.connect();
    try {
      return await this.insertRun(client, schedule, tickAt, 'manual', 0, tickAt);
    } finally {
      client.release();
    }
  }

  private async insertRun(
    client: PoolClient,
    schedule: ExportScheduleRecord,
    tickAt: Date,
    trigger: 'cron' | 'manual',
    missedTicks: number,
    now: Date,
  ): Promise<ScheduleRunRecord | null> {
    // The unique (schedule_id, tick_at) is the last word: a tick that already has a run (claimed
    // by a ticker whose clock ran ahead, say) is not claimed twice.
    const { rows } = await client.query(
      `INSERT INTO ${RUN} (id, schedule_id, tenant, tick_at, trigger, status, request, missed_ticks, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'claimed', $6, $7, $8, $8)
       ON CONFLICT ON CONSTRAINT export_schedule_run_tick_key DO NOTHING RETURNING *`,
      [newId(), schedule.id, schedule.tenant, tickAt, trigger, JSON.stringify(requestOf(schedule)), missedTicks, now],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  async settleClaimedRun(
    runId: string | null,
    now: Date,
    work: (run: ScheduleRunRecord, schedule: ExportScheduleRecord) => Promise<RunOutcome>,
    retry: RetryBackoff = { baseMs: 0, maxMs: 0 },
  ): Promise<ScheduleRunRecord | null> {
    return withPgTransaction(this.pool, async (client) => {
      // A ticker takes the oldest run nobody holds (SKIP LOCKED) whose retry is due: a run refused
      // for a passing reason waits baseMs × 2^(attempts − 1), at most maxMs, after its last try, so
      // a pass never retries what it has just tried. A named run (run-now's own) waits for whoever
      // holds it instead: a ticker may have taken it between its claim and this settle, and the
      // caller must then read the run as that ticker leaves it (requested, with its export), not
      // as the claim it still was a moment ago.
      const locked = runId
        ? await client.query(`SELECT r.* FROM ${RUN} r WHERE r.status = 'claimed' AND r.id = $1 ORDER BY r.tick_at LIMIT 1 FOR UPDATE`, [runId])
        : await client.query(
            `SELECT r.* FROM ${RUN} r WHERE r.status = 'claimed'
                AND (r.attempts = 0 OR r.updated_at + least($2::float8 * power(2, r.attempts - 1), $3::float8) * interval '1 millisecond' <= $1)
              ORDER BY r.tick_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
            [now, retry.baseMs, retry.maxMs],
          );
      if (!locked.rows[0]) return null;
      const run = toRun(locked.rows[0]);
      const schedule = await client.query(`SELECT * FROM ${SCHEDULE} WHERE id = $1`, [run.scheduleId]);
      if (!schedule.rows[0]) return null; // deleted meanwhile: the cascade removes the run
      const outcome = await work(run, toSchedule(schedule.rows[0]));
      const updated = await client.query(
        `UPDATE ${RUN} SET status = $2, export_id = $3, error = $4, attempts = attempts + 1, updated_at = $5 WHERE id = $1 RETURNING *`,
        [run.id, outcome.status, outcome.status === 'requested' ? outcome.exportId : null, outcome.status === 'requested' ? null : outcome.error, now],
      );
      if (outcome.status === 'requested') {
        // Runs settle in any order (a retried run after a later one): last_run_at only moves forward.
        await client.query(
          `UPDATE ${SCHEDULE} SET last_run_at = $2, last_export_id = $3 WHERE id = $1 AND (last_run_at IS NULL OR last_run_at <= $2)`,
          [run.scheduleId, run.tickAt, outcome.exportId],
        );
      }
      return toRun(updated.rows[0]);
    });
  }

  async revokeOwner(tenant: string, ownerId: string, reason: string, at: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE ${SCHEDULE} SET owner_revoked_at = $3, owner_revoked_reason = $4, updated_at = $3 WHERE tenant = $1 AND owner_id = $2`,
      [tenant, ownerId, at, reason],
    );
    return rowCount ?? 0;
  }
}

import { randomUUID } from 'crypto';
import { Injectable, Module } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { TestingModule } from '@nestjs/testing';
import { Pool } from 'pg';
import { JobQueueModule } from '@porter/job-queue';
import { ExportDataSource, ExportDataSourceFor, ExportsModule, FileFormat, RequestExportCommand } from '@porter/exports';
import {
  CreateExportScheduleCommand,
  ExportSchedule,
  ExportScheduleData,
  ListExportScheduleRunsQuery,
  RevokeExportScheduleOwnerCommand,
  RunDueExportSchedulesCommand,
  SchedulingModule,
  UpdateExportScheduleCommand,
} from '@porter/scheduling';
import { BadRequestError, Principal } from '@porter/shared-kernel';
import { createIntegrationContext, principal } from '../../support/int-app';

/** A host with one global export type, declared like a real host does. */
@Injectable()
@ExportDataSourceFor({ columns: [{ key: 'name', header: 'name', type: 'string' }], type: 'sched-people', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv, FileFormat.Jsonl] })
class SchedPeopleSource implements ExportDataSource {
  async *rows() {
    yield [['Ada']];
  }
}

@Module({ providers: [SchedPeopleSource] })
class TickerHostModule {}

const MINUTE = 60_000;
const startOfMinute = (t: number) => new Date(Math.floor(t / MINUTE) * MINUTE);

/**
 * The ticker's guarantees on real Postgres (ADR 047), with three "processes": three Nest contexts,
 * each with its own connection pools, racing their passes at a controlled time.
 */
describe('recurring exports: ticks claimed in Postgres (integration)', () => {
  const tenant = `t-${randomUUID()}`;
  const ada = principal('ada', tenant, { admin: true });
  let tickers: TestingModule[] = [];
  let pool: Pool;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) tickers.push(await createIntegrationContext([JobQueueModule, ExportsModule, TickerHostModule, SchedulingModule]));
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  });

  afterAll(async () => {
    await Promise.all(tickers.map((t) => t.close()));
    await pool?.end();
  });

  const bus = (i = 0) => tickers[i].get(CommandBus);
  const create = (data: Partial<ExportScheduleData> = {}, by: Principal = ada): Promise<ExportSchedule> =>
    bus().execute(new CreateExportScheduleCommand(by, { type: 'sched-people', format: 'csv', cron: '* * * * *', timezone: 'UTC', ...data }));
  const setDue = (id: string, at: Date) => pool.query(`UPDATE scheduling.export_schedule SET next_run_at = $2 WHERE id = $1`, [id, at]);
  const runsOf = async (id: string) =>
    (await pool.query(`SELECT tick_at, status, export_id, error, missed_ticks, trigger FROM scheduling.export_schedule_run WHERE schedule_id = $1 ORDER BY tick_at`, [id])).rows;
  const exportsOf = async (id: string) =>
    (await pool.query(`SELECT id, idempotency_key FROM exports.export_request WHERE tenant = $1 AND idempotency_key LIKE $2`, [tenant, `export-schedule:${id}:%`])).rows;
  /** Every ticker runs a pass at `now` at the same time, `rounds` times. */
  const race = async (now: Date, rounds = 2) => {
    const passes = [];
    for (let r = 0; r < rounds; r++) passes.push(...(await Promise.all(tickers.map((_, i) => bus(i).execute(new RunDueExportSchedulesCommand(now))))));
    return passes;
  };

  it('three tickers racing over the same due schedules run each tick exactly once, with one export each', async () => {
    const schedules = await Promise.all(Array.from({ length: 12 }, (_, i) => create({ name: `race ${i}` })));
    const now = new Date();
    const first = startOfMinute(now.getTime());
    for (const s of schedules) await setDue(s.id, first);

    const passes = await race(now, 3);
    expect(passes.reduce((n, p) => n + p.claimed, 0)).toBeGreaterThanOrEqual(12); // ours (others' leftovers may add)
    for (const s of schedules) {
      const runs = await runsOf(s.id);
      expect(runs).toEqual([expect.objectContaining({ tick_at: first, status: 'requested', trigger: 'cron', error: null })]);
      const made = await exportsOf(s.id);
      expect(made.map((e) => e.id)).toEqual([runs[0].export_id]);
    }

    // The next tick, raced again: one more run and export per schedule.
    const second = startOfMinute(now.getTime() + MINUTE);
    await race(new Date(second.getTime() + 5000), 2);
    for (const s of schedules) {
      const runs = await runsOf(s.id);
      expect(runs.map((r) => [r.tick_at.toISOString(), r.status])).toEqual([
        [first.toISOString(), 'requested'],
        [second.toISOString(), 'requested'],
      ]);
      expect(await exportsOf(s.id)).toHaveLength(2);
      const row = (await pool.query(`SELECT last_run_at, last_export_id, next_run_at FROM scheduling.export_schedule WHERE id = $1`, [s.id])).rows[0];
      expect(row).toEqual({ last_run_at: second, last_export_id: runs[1].export_id, next_run_at: new Date(second.getTime() + MINUTE) });
    }
  });

  it('runs missed ticks once after an outage: the latest one, counting the others', async () => {
    const schedule = await create({ cron: '*/5 * * * *' });
    const now = new Date();
    const dueLongAgo = new Date(Math.floor((now.getTime() - 3 * 3600_000) / (5 * MINUTE)) * 5 * MINUTE);
    await setDue(schedule.id, dueLongAgo);
    await race(now, 2);
    const runs = await runsOf(schedule.id);
    expect(runs).toHaveLength(1);
    const latest = new Date(Math.floor(now.getTime() / (5 * MINUTE)) * 5 * MINUTE);
    expect(runs[0]).toMatchObject({ tick_at: latest, status: 'requested', missed_ticks: (latest.getTime() - dueLongAgo.getTime()) / (5 * MINUTE) });
    expect(runs[0].missed_ticks).toBeGreaterThanOrEqual(35);
    expect(await exportsOf(schedule.id)).toHaveLength(1);
    const next = (await pool.query(`SELECT next_run_at FROM scheduling.export_schedule WHERE id = $1`, [schedule.id])).rows[0].next_run_at;
    expect(next).toEqual(new Date(latest.getTime() + 5 * MINUTE));
  });

  /** A run as a ticker leaves it when it dies right after its claim committed. */
  async function claimedAndAbandoned(schedule: ExportSchedule, tickAt: Date): Promise<void> {
    await pool.query(
      `INSERT INTO scheduling.export_schedule_run (id, schedule_id, tenant, tick_at, trigger, status, request, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'cron', 'claimed', $5, now(), now())`,
      [randomUUID(), schedule.id, tenant, tickAt, JSON.stringify({ type: schedule.type, format: schedule.format, filters: {}, scopeIds: [], columns: null, compression: 'none', name: schedule.name })],
    );
  }

  it('a ticker dying after the claim, before the request: another one requests the export', async () => {
    const schedule = await create({ enabled: false, name: 'crash before request' });
    const tick = startOfMinute(Date.now() - 2 * MINUTE);
    await claimedAndAbandoned(schedule, tick);
    await race(new Date(), 1);
    const runs = await runsOf(schedule.id);
    expect(runs).toEqual([expect.objectContaining({ tick_at: tick, status: 'requested' })]);
    expect((await exportsOf(schedule.id)).map((e) => e.id)).toEqual([runs[0].export_id]);
  });

  it('a ticker dying after the request, before recording it: the retry gets the same export, not a second', async () => {
    const schedule = await create({ enabled: false, name: 'crash after request' });
    const tick = startOfMinute(Date.now() - 3 * MINUTE);
    await claimedAndAbandoned(schedule, tick);
    // What the dead ticker had done: the export request with the run's key, committed.
    const requested = await bus().execute(
      new RequestExportCommand(ada, { type: 'sched-people', format: 'csv', filters: {}, scopeIds: [], columns: null, compression: 'none', name: 'crash after request' }, {
        idempotencyKey: `export-schedule:${schedule.id}:${tick.toISOString()}`,
      }),
    );
    await race(new Date(), 1);
    const runs = await runsOf(schedule.id);
    expect(runs).toEqual([expect.objectContaining({ status: 'requested', export_id: requested.exportId })]);
    expect((await exportsOf(schedule.id)).map((e) => e.id)).toEqual([requested.exportId]);
  });

  it('records a failed run, and requests nothing, when the owner lost the permission', async () => {
    const schedule = await create({ name: 'owner demoted' });
    // The owner changes it with a token that no longer carries the admin role: that principal is stored.
    await bus().execute(new UpdateExportScheduleCommand(principal('ada', tenant), schedule.id, { name: 'owner demoted (renamed)' }));
    await setDue(schedule.id, startOfMinute(Date.now() - MINUTE));
    await race(new Date(), 1);
    const runs = await runsOf(schedule.id);
    expect(runs).toEqual([expect.objectContaining({ status: 'failed', export_id: null, error: expect.stringContaining('the owner ada may no longer run this export') })]);
    expect(runs[0].error).toContain('admin role');
    expect(await exportsOf(schedule.id)).toEqual([]);

    const page = await tickers[0].get(QueryBus).execute(new ListExportScheduleRunsQuery(ada, schedule.id));
    expect(page.totalRecords).toBe(1);
    expect(page.items[0]).toMatchObject({ id: null, status: 'failed', errorMessage: runs[0].error, type: 'sched-people', run: { status: 'failed', trigger: 'cron' } });
  });

  it('records failed runs for a revoked owner, with the reason', async () => {
    const bob = principal('bob', tenant, { admin: true });
    const schedule = await create({ name: "bob's" }, bob);
    const revoked = await bus().execute(new RevokeExportScheduleOwnerCommand(tenant, 'bob', 'user deleted in the directory'));
    expect(revoked).toEqual({ schedules: 1 });
    await setDue(schedule.id, startOfMinute(Date.now() - MINUTE));
    await race(new Date(), 1);
    expect(await runsOf(schedule.id)).toEqual([
      expect.objectContaining({ status: 'failed', export_id: null, error: expect.stringMatching(/owner bob was revoked .*: user deleted in the directory/) }),
    ]);
    expect(await exportsOf(schedule.id)).toEqual([]);
  });

  it('lists requested runs as the ExportInfo of their export', async () => {
    const schedule = await create({ format: 'jsonl', name: 'listed' });
    await setDue(schedule.id, startOfMinute(Date.now() - MINUTE));
    await race(new Date(), 1);
    const page = await tickers[1].get(QueryBus).execute(new ListExportScheduleRunsQuery(ada, schedule.id));
    const [run] = await runsOf(schedule.id);
    expect(page).toEqual({ totalRecords: 1, items: [expect.objectContaining({ id: run.export_id, type: 'sched-people', format: 'jsonl', name: 'listed', requestedBy: 'ada', run: expect.objectContaining({ status: 'requested', exportId: run.export_id }) })] });
  });

  it('refuses, at creation, a schedule the exports module would refuse, naming each field (400)', async () => {
    const refusal = await create({ type: 'sched-people', format: 'xlsx', cron: '*/30 * * * * *', timezone: 'Mars/Base' }).catch((e) => e);
    expect(refusal).toBeInstanceOf(BadRequestError);
    expect(refusal.errors.map((e: { path: string }) => e.path).sort()).toEqual(['cron', 'format', 'timezone']);
    const notAdmin = await create({}, principal('carl', tenant)).catch((e) => e);
    expect(notAdmin).toBeInstanceOf(BadRequestError);
    expect(notAdmin.errors).toEqual([{ path: 'type', message: expect.stringContaining('global export types need the admin role') }]);
  });
});

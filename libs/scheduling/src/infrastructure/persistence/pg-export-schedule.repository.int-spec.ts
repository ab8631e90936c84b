import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import type { ExportScheduleRecord } from '../../application/ports/export-schedule.repository.port';
import { PgExportScheduleRepository } from './pg-export-schedule.repository';

/** Runs settled against tickers and deletes on real Postgres: the races of run-now and of deleting a schedule. */
describe('PgExportScheduleRepository: a named run held by a ticker', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  const schedules = new PgExportScheduleRepository(pool);
  afterAll(() => pool.end());
  /** Until a statement containing `sql` waits on a lock in this database: the step a race needs, not a guess of how long it takes. */
  const waitingOnLock = async (sql: string) => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND position($1 in query) > 0`,
        [sql],
      );
      if (rows[0].n > 0) return;
      if (Date.now() > deadline) throw new Error(`no statement with "${sql}" waited on a lock`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  const newSchedule = (now: Date): ExportScheduleRecord =>
    ({
      id: randomUUID(),
      tenant: `t-${randomUUID()}`,
      ownerId: 'ada',
      ownerKind: 'user',
      ownerPrincipal: { kind: 'user', id: 'ada', tenant: 't', roles: ['admin'], scopes: [] } as unknown as ExportScheduleRecord['ownerPrincipal'],
      ownerRevokedAt: null,
      ownerRevokedReason: null,
      name: 'minutely',
      type: 'employees',
      format: 'csv',
      filters: {},
      scopeIds: [],
      columns: null,
      compression: 'none',
      cron: '* * * * *',
      timezone: 'UTC',
      enabled: true,
      nextRunAt: null,
      lastRunAt: null,
      lastExportId: null,
      createdAt: now,
      updatedAt: now,
    }) as ExportScheduleRecord;

  it('a run refused for a passing reason is not tried again in the same pass, then again after 5 s, 10 s, … at most the cap', async () => {
    const t0 = new Date();
    const schedule = newSchedule(t0);
    await schedules.insert(schedule);
    const run = await schedules.insertManualRun(schedule, t0);
    // Claimed runs other tests may have left are held here, so that the passes below see only this one.
    const others = await pool.connect();
    await others.query('BEGIN');
    await others.query(`SELECT 1 FROM scheduling.export_schedule_run WHERE status = 'claimed' AND schedule_id <> $1 FOR UPDATE`, [schedule.id]);
    const backoff = { baseMs: 5_000, maxMs: 12_000 };
    const tries: number[] = [];
    const pass = (at: number) =>
      schedules.settleClaimedRun(
        null,
        new Date(t0.getTime() + at),
        async (r) => {
          tries.push(at);
          return { status: 'claimed', error: `tenant busy (try ${r.attempts + 1})` };
        },
        backoff,
      );
    try {
      expect(await pass(0)).toMatchObject({ id: run!.id, status: 'claimed', attempts: 1, error: 'tenant busy (try 1)' });
      expect(await pass(0)).toBeNull(); // the same pass: not again
      expect(await pass(4_999)).toBeNull();
      expect(await pass(5_000)).toMatchObject({ attempts: 2 }); // 5 s after the first try
      expect(await pass(14_999)).toBeNull();
      expect(await pass(15_000)).toMatchObject({ attempts: 3 }); // 10 s after the second
      expect(await pass(26_999)).toBeNull();
      expect(await pass(27_000)).toMatchObject({ attempts: 4 }); // 20 s, capped at 12 s
      expect(tries).toEqual([0, 5_000, 15_000, 27_000]);
      // A named run (run-now's) is settled whatever its backoff.
      expect(await schedules.settleClaimedRun(run!.id, new Date(t0.getTime() + 27_001), async () => ({ status: 'requested', exportId: randomUUID() }), backoff)).toMatchObject({
        status: 'requested',
        attempts: 5,
      });
    } finally {
      await others.query('ROLLBACK');
      others.release();
      await pool.query(`DELETE FROM scheduling.export_schedule WHERE id = $1`, [schedule.id]);
    }
  });

  it('settling a run that a ticker holds waits for the ticker, then reads the run as the ticker left it', async () => {
    const now = new Date();
    const schedule = newSchedule(now);
    await schedules.insert(schedule);
    const run = await schedules.insertManualRun(schedule, now);
    expect(run?.status).toBe('claimed');

    // The "ticker": takes the run first and settles it 300 ms later (here: an export id of its own).
    const ticker = await pool.connect();
    const exportId = randomUUID();
    try {
      await ticker.query('BEGIN');
      await ticker.query(`SELECT 1 FROM scheduling.export_schedule_run WHERE id = $1 FOR UPDATE`, [run!.id]);
      let worked = false;
      // What run-now answers: the run as settle leaves it, else as it reads right after.
      const answered = schedules
        .settleClaimedRun(run!.id, now, async () => {
          worked = true;
          return { status: 'requested', exportId: randomUUID() };
        })
        .then(async (settled) => settled ?? (await schedules.findRun(run!.id)));
      await waitingOnLock(`r.status = 'claimed' AND r.id = $1`);
      await ticker.query(`UPDATE scheduling.export_schedule_run SET status = 'requested', export_id = $2 WHERE id = $1`, [run!.id, exportId]);
      await ticker.query('COMMIT');
      // The run was the ticker's: settle waited for it and left it alone, and the answer is the
      // ticker's request (it was the bare claim, id-less, when settle skipped the locked run).
      expect(await answered).toMatchObject({ status: 'requested', exportId });
      expect(worked).toBe(false);
    } finally {
      await ticker.query('ROLLBACK').catch(() => undefined);
      ticker.release();
      await pool.query(`DELETE FROM scheduling.export_schedule WHERE id = $1`, [schedule.id]);
    }
  });

  it('deleting a schedule while one of its runs is being settled waits for the settle instead of deadlocking with it', async () => {
    const now = new Date();
    const schedule = newSchedule(now);
    await schedules.insert(schedule);
    const run = await schedules.insertManualRun(schedule, now);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const holds = new Promise<void>((resolve) => (holding = resolve));
    // The settle: it holds the run and, once its work is done, updates the schedule's last run.
    const settling = schedules.settleClaimedRun(run!.id, now, async () => {
      holding();
      await held;
      return { status: 'requested', exportId: randomUUID() };
    });
    await holds;
    // The delete meanwhile: locking the schedule first made it wait for the run, which the
    // settle holds, while the settle then waited for the schedule ("deadlock detected").
    const deleting = schedules.delete(schedule.id);
    await waitingOnLock('SELECT id FROM scheduling.export_schedule_run WHERE schedule_id = $1');
    release();
    expect(await settling).toMatchObject({ status: 'requested' });
    expect(await deleting).toBe(true);
    expect((await pool.query(`SELECT count(*)::int AS n FROM scheduling.export_schedule_run WHERE schedule_id = $1`, [schedule.id])).rows[0].n).toBe(0);
  });
});

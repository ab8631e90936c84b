import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker, WorkerProcess } from '../../support/processes';
import { clearOfTurn, waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, insertEmployees, TRICKY_EMPLOYEES } from '../exports/export-support';

const SCHEDULES = '/api/v1/export-schedules';
const SCHEDULE_COUNT = 12;
/** Every worker looks for due ticks this often: three tickers race for each tick. */
const WORKER_ENV = { ...EXPORT_ENV, SCHEDULE_TICK_INTERVAL_MS: '50' };

interface TickRow {
  schedule_id: string;
  tick_at: Date;
  runs: number;
  /** Its runs still claimed: mid-settle, no export requested yet. */
  settling: number;
  exports: number;
}

/**
 * "Each tick creates exactly one export job, however many worker processes run and however they
 * crash" (ADR 047), on real processes: three workers race for the same due ticks, one of them is
 * SIGKILLed while the ticks are being claimed and settled, and every tick still has exactly one
 * run and one export (one job). Workers killed for sure between claiming a tick and requesting
 * its export leave claimed runs that the next workers settle, still one export each. Then every
 * process is down across ten ticks: on recovery each
 * schedule runs once, not ten times. Ticks are made due by writing next_run_at (as in
 * export-schedules.e2e-spec.ts) instead of waiting for the minute to turn.
 */
describe('recurring exports: one export per tick across crashing workers (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let baseUrl: string;
  let pool: Pool;
  let workers: WorkerProcess[] = [];
  const scheduleIds: string[] = [];
  const admin = () => exportsClient(baseUrl, bearer('ada', tenant, { admin: true }));

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    baseUrl = started.baseUrl;
    scheduleIds.push(...(await createSchedules('crash')));
    workers = await Promise.all([startWorker(WORKER_ENV), startWorker(WORKER_ENV), startWorker(WORKER_ENV)]);
  }, 90_000);
  afterAll(async () => {
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop())]);
    await pool?.end();
  });

  /**
   * SCHEDULE_COUNT minutely schedules named `${prefix}-0`, `${prefix}-1`, …, none due before the
   * test makes it so (a ticker may already be running).
   */
  async function createSchedules(prefix: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < SCHEDULE_COUNT; i++) {
      const res = await admin().call('POST', SCHEDULES, { type: 'employees', format: 'csv', cron: '* * * * *', timezone: 'UTC', name: `${prefix}-${i}` });
      expect(res.status).toBe(201);
      ids.push(res.json.id);
    }
    await pool.query(`UPDATE scheduling.export_schedule SET next_run_at = now() + interval '1 hour' WHERE id = ANY($1)`, [ids]);
    return ids;
  }

  /**
   * Per (schedule, tick): its runs, and the exports (each with its own job) whose name is the
   * schedule's. Read once no run is mid-settle: the tickers keep running, and a run claimed at a
   * minute's turn has no export until its settle requests one (ADR 047), so a read in that instant
   * would see a run without its export.
   */
  async function ticks(): Promise<TickRow[]> {
    const read = async () =>
      (
        await pool.query(
          `SELECT r.schedule_id, r.tick_at, count(*)::int AS runs,
                  count(*) FILTER (WHERE r.status = 'claimed')::int AS settling,
                  (SELECT count(*)::int FROM exports.export_request e JOIN job_queue.job j ON j.id = e.job_id
                    WHERE e.tenant = $1 AND e.idempotency_key = 'export-schedule:' || r.schedule_id || ':' || to_char(r.tick_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) AS exports
             FROM scheduling.export_schedule_run r WHERE r.schedule_id = ANY($2) AND r.trigger = 'cron'
            GROUP BY r.schedule_id, r.tick_at`,
          [tenant, scheduleIds],
        )
      ).rows as TickRow[];
    let last = await read();
    await waitFor(async () => (last = await read()).every((tick) => tick.settling === 0), { timeoutMs: 10_000, intervalMs: 100, what: 'no tick mid-settle' }).catch(() => undefined);
    return last;
  }

  async function exportsPerSchedule(): Promise<Map<string, number>> {
    const { rows } = await pool.query(`SELECT name, count(*)::int AS n FROM exports.export_request WHERE tenant = $1 GROUP BY name`, [tenant]);
    return new Map(rows.map((r: { name: string; n: number }) => [r.name, r.n]));
  }

  /** Waits until every schedule's run of this tick has been claimed and settled (an export requested or a failure recorded). */
  async function ranOnce(due: Date, what: string): Promise<void> {
    await waitFor(
      async () => {
        const { rows } = await pool.query(
          `SELECT count(*)::int AS n FROM scheduling.export_schedule_run WHERE schedule_id = ANY($1) AND tick_at = $2 AND status <> 'claimed'`,
          [scheduleIds, due],
        );
        return rows[0].n === SCHEDULE_COUNT;
      },
      { timeoutMs: 20_000, intervalMs: 100, what },
    );
  }

  /**
   * Every export of a schedule belongs to one of its runs: as many exports (named after it) as
   * requested runs. Read while none of their runs is mid-settle: a run's export is committed just
   * before the run is marked requested (a crash in between is retried with the same export, ADR
   * 047), and the tickers keep running, so a tick of a minute that turns meanwhile may be caught
   * in that instant. A second export of one run stays, and still fails the comparison.
   */
  async function expectOneExportPerRun(ids = scheduleIds, prefix = 'crash'): Promise<void> {
    const compare = async () => {
      const perSchedule = await exportsPerSchedule();
      const { rows } = await pool.query(
        `SELECT schedule_id, count(*) FILTER (WHERE status = 'requested')::int AS n, count(*) FILTER (WHERE status = 'claimed')::int AS claimed
           FROM scheduling.export_schedule_run WHERE schedule_id = ANY($1) GROUP BY schedule_id`,
        [ids],
      );
      const settling = rows.some((r: { claimed: number }) => r.claimed > 0);
      const runs = new Map(rows.map((r: { schedule_id: string; n: number }) => [r.schedule_id, r.n]));
      const pairs = ids.map((id, i) => [{ schedule: i, exports: perSchedule.get(`${prefix}-${i}`) ?? 0 }, { schedule: i, exports: runs.get(id) ?? 0 }]);
      return { settled: !settling && pairs.every(([a, b]) => a.exports === b.exports), pairs };
    };
    let last = await compare();
    await waitFor(async () => (last = await compare()).settled, { timeoutMs: 10_000, intervalMs: 100, what: 'one export per requested run' }).catch(() => undefined);
    for (const [exports, runs] of last.pairs) expect(exports).toEqual(runs);
  }

  it('three tickers, one SIGKILLed at the tick, in three rounds: every tick has exactly one run and one export job', async () => {
    const forced: Date[] = [];
    for (let round = 0; round < 3; round++) {
      // A due instant a moment ago, different each round: the runner claims exactly that tick
      // (the next cron tick, the minute's turn, is still ahead), so each round is a new tick.
      // Never before the current minute: the runner would then claim the minute's tick instead.
      // Nor close to the minute's turn: a tick claimed after it would be the new minute's, and
      // the forced one would never run.
      await clearOfTurn(10_000);
      const now = Date.now();
      const due = new Date(Math.max(now - 2_000, Math.floor(now / 60_000) * 60_000 + 1) + round);
      forced.push(due);
      await pool.query(`UPDATE scheduling.export_schedule SET next_run_at = $2 WHERE id = ANY($1)`, [scheduleIds, due]);
      // Killed while the tickers claim and settle these ticks: a claim it held dies with its
      // connection; a run it claimed but did not settle is settled by another worker.
      await new Promise((resolve) => setTimeout(resolve, 20 + round * 30));
      const victim = workers[round % workers.length];
      await victim.stop('SIGKILL');
      await ranOnce(due, `round ${round}: the tick settled by the surviving workers`);
      // A few more passes of the survivors: still one run of this tick per schedule.
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (const id of scheduleIds) {
        const { rows } = await pool.query(`SELECT count(*)::int AS n FROM scheduling.export_schedule_run WHERE schedule_id = $1 AND tick_at = $2`, [id, due]);
        expect({ id, round, runs: rows[0].n }).toEqual({ id, round, runs: 1 });
      }
      workers[round % workers.length] = await startWorker(WORKER_ENV);
    }

    const all = await ticks();
    // Every forced tick of every schedule ran; a natural tick (the minute turning during the test) counts like any other.
    expect(all.length).toBeGreaterThanOrEqual(SCHEDULE_COUNT * forced.length);
    for (const tick of all) expect(tick).toMatchObject({ runs: 1, exports: 1 });
    const { rows: failed } = await pool.query(`SELECT error FROM scheduling.export_schedule_run WHERE schedule_id = ANY($1) AND status <> 'requested'`, [scheduleIds]);
    expect(failed).toEqual([]);
    await expectOneExportPerRun();
  }, 80_000);

  it('workers SIGKILLed while requesting the exports of claimed ticks: the runs they left claimed are settled once by the next workers', async () => {
    // Hold the exports table: a worker that has claimed the tick then waits, inside its settle
    // transaction, on the export insert — a worker caught between claim and request, for sure.
    const holder = await pool.connect();
    let holding = true;
    try {
      // Claimed before the minute turns, or the claims would be of the next minute's tick.
      await clearOfTurn(10_000);
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE exports.export_request IN EXCLUSIVE MODE');
      const now = Date.now();
      const due = new Date(Math.max(now - 2_000, Math.floor(now / 60_000) * 60_000 + 1) + 7);
      await pool.query(`UPDATE scheduling.export_schedule SET next_run_at = $2 WHERE id = ANY($1)`, [scheduleIds, due]);
      await waitFor(
        async () => {
          const claimed = await pool.query(`SELECT count(*)::int AS n FROM scheduling.export_schedule_run WHERE schedule_id = ANY($1) AND tick_at = $2`, [scheduleIds, due]);
          const waiting = await pool.query(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'exports.export_request'::regclass AND NOT granted`);
          return claimed.rows[0].n === SCHEDULE_COUNT && waiting.rows[0].n >= 1;
        },
        { timeoutMs: 20_000, intervalMs: 50, what: 'every tick claimed and a worker blocked requesting its export' },
      );
      await Promise.all(workers.map((w) => w.stop('SIGKILL')));
      await holder.query('COMMIT');
      holding = false;
      const { rows: left } = await pool.query(`SELECT count(*)::int AS n FROM scheduling.export_schedule_run WHERE schedule_id = ANY($1) AND tick_at = $2 AND status = 'claimed'`, [scheduleIds, due]);
      expect(left[0].n).toBeGreaterThan(0);
      workers = await Promise.all([startWorker(WORKER_ENV), startWorker(WORKER_ENV)]);
      await ranOnce(due, 'the claimed runs settled by the new workers');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { rows } = await pool.query(`SELECT status, count(*)::int AS n FROM scheduling.export_schedule_run WHERE schedule_id = ANY($1) AND tick_at = $2 GROUP BY status`, [scheduleIds, due]);
      expect(rows).toEqual([{ status: 'requested', n: SCHEDULE_COUNT }]);
      for (const tick of await ticks()) expect(tick).toMatchObject({ runs: 1, exports: 1 });
      await expectOneExportPerRun();
    } finally {
      if (holding) await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  }, 60_000);

  it('everything down across ten ticks: on recovery each schedule runs once, with the missed ticks counted', async () => {
    // Schedules of their own: the catch-up run is the tick of the current minute, and the earlier
    // tests' schedules may already have run that very tick naturally (their next_run_at reached a
    // minute's turn). Rewinding those behind a tick that ran is a state production cannot reach,
    // and that tick would rightly not run again.
    const downIds = await createSchedules('down');
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    // While every worker was down, ten minutely ticks went by.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    await pool.query(`UPDATE scheduling.export_schedule SET next_run_at = $2 WHERE id = ANY($1)`, [downIds, new Date(minute - 10 * 60_000)]);
    const startedAt = new Date();
    workers = await Promise.all([startWorker(WORKER_ENV), startWorker(WORKER_ENV)]);
    const recoveryRuns = async () =>
      (
        await pool.query(
          `SELECT schedule_id, tick_at, missed_ticks, status FROM scheduling.export_schedule_run
            WHERE schedule_id = ANY($1) AND trigger = 'cron' AND created_at >= $2`,
          [downIds, startedAt],
        )
      ).rows as Array<{ schedule_id: string; tick_at: Date; missed_ticks: number; status: string }>;
    await waitFor(async () => (await recoveryRuns()).filter((r) => r.status !== 'claimed').length >= SCHEDULE_COUNT, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: 'a recovery run of every schedule',
    });
    // Let the tickers make more passes: no second run for the missed ticks appears.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const recovered = await recoveryRuns();
    const minuteTurned = Math.floor(Date.now() / 60_000) * 60_000 !== minute;
    for (const id of downIds) {
      const runs = recovered.filter((r) => r.schedule_id === id);
      // Once, at the latest missed tick (or, had the minute turned meanwhile, at the new one),
      // with the missed ticks counted; plus at most the natural tick of a minute that turned.
      expect(runs.length).toBeGreaterThanOrEqual(1);
      expect(runs.length).toBeLessThanOrEqual(minuteTurned ? 2 : 1);
      const catchUp = runs.reduce((a, b) => (a.tick_at <= b.tick_at ? a : b));
      // (the catch-up run: a natural tick of a minute that just turned may still be mid-settle)
      expect(catchUp).toMatchObject({ status: 'requested' });
      expect(catchUp.missed_ticks).toBeGreaterThanOrEqual(10);
      if (!minuteTurned) expect(catchUp).toMatchObject({ tick_at: new Date(minute), missed_ticks: 10 });
    }
    await expectOneExportPerRun(downIds, 'down');
    const { rows: next } = await pool.query(`SELECT next_run_at FROM scheduling.export_schedule WHERE id = ANY($1)`, [downIds]);
    for (const row of next) expect(row.next_run_at.getTime()).toBeGreaterThan(minute);
  }, 60_000);
});

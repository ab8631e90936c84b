import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import type { ExportScheduleRecord } from '../../application/ports/export-schedule.repository.port';
import { PgExportScheduleRepository } from './pg-export-schedule.repository';

/** Run-now against a ticker on real Postgres: the race the export-schedules e2e spec met once. */
describe('PgExportScheduleRepository: a named run held by a ticker', () => {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  const schedules = new PgExportScheduleRepository(pool);
  afterAll(() => pool.end());

  it('settling a run that a ticker holds waits for the ticker, then reads the run as the ticker left it', async () => {
    const now = new Date();
    const schedule: ExportScheduleRecord = {
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
    } as ExportScheduleRecord;
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
      await new Promise((resolve) => setTimeout(resolve, 300));
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
});

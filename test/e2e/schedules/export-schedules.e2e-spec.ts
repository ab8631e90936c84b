import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { clearOfTurn, waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from '../exports/export-support';

const SCHEDULES = '/api/v1/export-schedules';

/** Recurring exports through real API and worker processes (docs/exports.md, "Recurring exports"). */
describe('recurring exports (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let baseUrl: string;
  let pool: Pool;
  const admin = () => exportsClient(baseUrl, bearer('ada', tenant, { admin: true }));

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    baseUrl = started.baseUrl;
    worker = await startWorker({ ...EXPORT_ENV, SCHEDULE_TICK_INTERVAL_MS: '250' });
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
  });

  const createBody = { type: 'employees', format: 'csv', cron: '* * * * *', timezone: 'Europe/Berlin', name: 'minutely staff list' };

  it('creates an every-minute schedule, previews its next runs, and runs it now: the export succeeds and is listed in /runs', async () => {
    const client = admin();
    // Created well clear of a minute's turn, so its first tick cannot fire before it is moved below.
    await clearOfTurn(3_000);
    const created = await client.call('POST', SCHEDULES, { ...createBody, columns: ['email', 'last_name'], filters: { active: true } });
    expect(created.status).toBe(201);
    const s = created.json;
    expect(created.headers.get('location')).toBe(`${SCHEDULES}/${s.id}`);
    expect(s).toMatchObject({
      id: expect.any(String),
      name: 'minutely staff list',
      type: 'employees',
      format: 'csv',
      filters: { active: true },
      scopeIds: [],
      columns: ['email', 'last_name'],
      compression: 'none',
      cron: '* * * * *',
      timezone: 'Europe/Berlin',
      enabled: true,
      lastRunAt: null,
      lastExportId: null,
      createdBy: 'ada',
    });
    expect(s.nextRuns).toHaveLength(5);
    expect(Date.parse(s.nextRuns[1]) - Date.parse(s.nextRuns[0])).toBe(60_000);
    expect(s.nextRuns[0]).toBe(s.nextRunAt);
    expect(Date.parse(s.nextRunAt)).toBeGreaterThan(Date.now() - 1000);
    // The minute may turn while this test runs; its own tick would add a cron run to the lists
    // below, so the next tick is moved an hour out (the ticker reads next_run_at from Postgres).
    await pool.query(`UPDATE scheduling.export_schedule SET next_run_at = now() + interval '1 hour' WHERE id = $1`, [s.id]);

    const one = await client.call('GET', `${SCHEDULES}/${s.id}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: s.id, nextRuns: expect.any(Array) });
    const list = await client.call('GET', `${SCHEDULES}?offset=0&limit=1`);
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(1);
    expect(list.json.totalRecords).toBeGreaterThanOrEqual(1);

    const now = await client.call('POST', `${SCHEDULES}/${s.id}/run-now`);
    expect(now.status).toBe(202);
    expect(now.json).toMatchObject({ id: expect.any(String), type: 'employees', name: 'minutely staff list', run: { trigger: 'manual', status: 'requested' } });
    const done = await waitForExport(client, now.json.id, ['succeeded'], 30_000);
    expect(done).toMatchObject({ columns: ['email', 'last_name'], filters: { active: true }, requestedBy: 'ada', scheduleId: s.id });
    // The exports list says which exports a schedule made; one asked for directly has none.
    const direct = await client.request({ type: 'employees', format: 'csv' });
    expect(direct.json.scheduleId).toBeNull();
    const listed = (await client.list('?limit=100')).json.items as Array<{ id: string; scheduleId: string | null }>;
    expect(listed.find((e) => e.id === now.json.id)?.scheduleId).toBe(s.id);
    expect(listed.find((e) => e.id === direct.json.id)?.scheduleId).toBeNull();

    const runs = await client.call('GET', `${SCHEDULES}/${s.id}/runs`);
    expect(runs.status).toBe(200);
    expect(runs.json.totalRecords).toBe(1);
    expect(runs.json.items[0]).toMatchObject({ id: now.json.id, status: 'succeeded', result: expect.objectContaining({ fileName: expect.stringMatching(/\.csv$/) }), run: { trigger: 'manual', exportId: now.json.id } });
    const file = await client.download(now.json.id);
    expect(file.status).toBe(200);
    expect(file.text.split('\n')[0]).toMatch(/email,last_name/);
    // Lists take sort=oldest like every list; latest first otherwise.
    const again = await client.call('POST', `${SCHEDULES}/${s.id}/run-now`);
    await waitForExport(client, again.json.id, ['succeeded'], 30_000);
    const ids = async (query: string) => (await client.call('GET', `${SCHEDULES}/${s.id}/runs${query}`)).json.items.map((r: { id: string }) => r.id);
    expect(await ids('')).toEqual([again.json.id, now.json.id]);
    expect(await ids('?sort=oldest')).toEqual([now.json.id, again.json.id]);
    expect((await client.call('GET', `${SCHEDULES}/${s.id}/runs?sort=sideways`)).status).toBe(400);
    const newest = (await client.call('GET', `${SCHEDULES}?limit=1000`)).json.items.map((x: { id: string }) => x.id);
    expect((await client.call('GET', `${SCHEDULES}?limit=1000&sort=oldest`)).json.items.map((x: { id: string }) => x.id)).toEqual([...newest].reverse());
    await client.call('DELETE', `${SCHEDULES}/${s.id}`);
  });

  it("the worker's ticker runs a due tick by itself: one export, recorded as the schedule's last run", async () => {
    const client = admin();
    // Well clear of a minute's turn: the next tick (the turn) would run too, and move lastRunAt on.
    await clearOfTurn(15_000);
    const s = (await client.call('POST', SCHEDULES, { ...createBody, format: 'jsonl', name: 'ticked' })).json;
    // The tick that is due is put a little in the past, instead of waiting for the minute to turn.
    const due = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    await pool.query(`UPDATE scheduling.export_schedule SET next_run_at = $2 WHERE id = $1`, [s.id, due]);
    const runs = await waitFor(
      async () => {
        const page = (await client.call('GET', `${SCHEDULES}/${s.id}/runs`)).json;
        return page.totalRecords > 0 && page.items[0].id ? page : null;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'a cron run of the schedule' },
    );
    expect(runs.items[0].run).toMatchObject({ trigger: 'cron', status: 'requested', tickAt: due.toISOString() });
    // Recorded with the run's request (read now, before the minute's own tick could follow).
    const after = (await client.call('GET', `${SCHEDULES}/${s.id}`)).json;
    expect(after).toMatchObject({ lastRunAt: due.toISOString(), lastExportId: runs.items[0].id });
    expect(Date.parse(after.nextRunAt)).toBeGreaterThan(due.getTime());
    await waitForExport(client, runs.items[0].id, ['succeeded'], 30_000);
    // Paused, then deleted: no further tick.
    const paused = await client.call('PATCH', `${SCHEDULES}/${s.id}`, { enabled: false });
    expect(paused.json).toMatchObject({ enabled: false, nextRunAt: null, nextRuns: [] });
    expect((await client.call('DELETE', `${SCHEDULES}/${s.id}`)).status).toBe(204);
    expect((await client.call('GET', `${SCHEDULES}/${s.id}`)).status).toBe(404);
  });

  it('pauses, resumes, re-times and renames with PATCH', async () => {
    const client = admin();
    const s = (await client.call('POST', SCHEDULES, { ...createBody, enabled: false })).json;
    expect(s).toMatchObject({ enabled: false, nextRunAt: null, nextRuns: [] });
    const resumed = await client.call('PATCH', `${SCHEDULES}/${s.id}`, { enabled: true, cron: '30 2 * * *', timezone: 'America/New_York', name: 'nightly' });
    expect(resumed.status).toBe(200);
    expect(resumed.json).toMatchObject({ enabled: true, cron: '30 2 * * *', timezone: 'America/New_York', name: 'nightly' });
    expect(resumed.json.nextRuns).toHaveLength(5);
    expect(resumed.json.nextRunAt).toBe(resumed.json.nextRuns[0]);
  });

  it('answers 400 naming the field for a bad cron, zone, frequency, type, format or permission', async () => {
    const client = admin();
    const refused = async (body: Record<string, unknown>, by = client) => {
      const res = await by.call('POST', SCHEDULES, { ...createBody, ...body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
      return (res.json.errors as Array<{ path: string; message: string }>).map((e) => e.path).sort();
    };
    expect(await refused({ cron: '61 * * * *' })).toEqual(['cron']);
    expect(await refused({ cron: '*/10 * * * * *' })).toEqual(['cron']);
    expect(await refused({ timezone: 'Mars/Olympus_Mons' })).toEqual(['timezone']);
    expect(await refused({ type: 'payroll' })).toEqual(['type']);
    expect(await refused({ format: 'pdf' })).toEqual(['format']);
    expect(await refused({ columns: ['email', 'salary_band'] })).toEqual(['columns.1']);
    expect(await refused({ cron: 'sometimes', timezone: 'Nowhere' })).toEqual(['cron', 'timezone']);
    expect(await refused({ cron: undefined })).toEqual(['cron']);
    // employees is a global type: a non-admin may not run it, so may not schedule it.
    expect(await refused({}, exportsClient(baseUrl, bearer('carl', tenant)))).toEqual(['type']);
    const s = (await client.call('POST', SCHEDULES, createBody)).json;
    const patch = await client.call('PATCH', `${SCHEDULES}/${s.id}`, { cron: '* * * * * *' });
    expect(patch.status).toBe(400);
    expect(patch.json.errors[0].path).toBe('cron');
  });

  it("hides another tenant's schedules (404) and another user's from a non-admin", async () => {
    const s = (await admin().call('POST', SCHEDULES, createBody)).json;
    for (const other of [exportsClient(baseUrl, bearer('ada', `t-${randomUUID()}`, { admin: true })), exportsClient(baseUrl, bearer('carl', tenant))]) {
      expect((await other.call('GET', `${SCHEDULES}/${s.id}`)).status).toBe(404);
      expect((await other.call('PATCH', `${SCHEDULES}/${s.id}`, { enabled: false })).status).toBe(404);
      expect((await other.call('GET', `${SCHEDULES}/${s.id}/runs`)).status).toBe(404);
      expect((await other.call('POST', `${SCHEDULES}/${s.id}/run-now`)).status).toBe(404);
      expect((await other.call('DELETE', `${SCHEDULES}/${s.id}`)).status).toBe(404);
      expect((await other.call('GET', SCHEDULES)).json.items.map((i: { id: string }) => i.id)).not.toContain(s.id);
    }
    expect((await admin().call('GET', `${SCHEDULES}/${s.id}`)).status).toBe(200);
  });
});

import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from './export-support';

/** A scheduled export says `scheduled` until it is due; who requested it (user or app) is shown. */
describe('scheduled exports and submitter kinds (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let baseUrl: string;

  beforeAll(async () => {
    const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    await pool.end();
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    baseUrl = started.baseUrl;
    worker = await startWorker(EXPORT_ENV);
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  it('shows scheduled until due, lists it under status=scheduled, then runs and succeeds', async () => {
    const admin = exportsClient(baseUrl, bearer('ada', tenant, { admin: true }));
    // Due far enough out that the request and two list reads finish before it on a loaded CI
    // machine (at 2.5 s they had a second or two to spare).
    const dueAt = new Date(Date.now() + 6000);
    const created = await admin.request({ type: 'employees', format: 'csv', scheduledFor: dueAt.toISOString() });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({ status: 'scheduled', scheduledFor: dueAt.toISOString(), submitterKind: 'user' });
    const id = created.json.id;
    const ids = async (status: string) => (await admin.list(`?status=${status}`)).json.items.map((e: { id: string }) => e.id);
    expect(await ids('scheduled')).toEqual([id]);
    expect(await ids('pending')).toEqual([]);
    const done = await waitForExport(admin, id, ['succeeded'], 30_000);
    expect(Date.parse(done.processedAt)).toBeGreaterThanOrEqual(dueAt.getTime());
    expect(Date.parse(done.updatedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
    // It changed (scheduled → pending → running → succeeded): updatedAt moved past the request's.
    expect(Date.parse(done.updatedAt)).toBeGreaterThan(Date.parse(created.json.updatedAt));
    const doneJob = (await admin.call('GET', `/api/v1/jobs/${done.jobId}`)).json;
    expect(Date.parse(doneJob.updatedAt)).toBeGreaterThan(Date.parse(doneJob.submittedAt));
    expect(await ids('scheduled')).toEqual([]);
  });

  it('follows a reschedule through the jobs API: a cleared schedule makes it due now', async () => {
    const admin = exportsClient(baseUrl, bearer('ada', tenant, { admin: true }));
    const created = await admin.request({ type: 'employees', format: 'jsonl', scheduledFor: new Date(Date.now() + 3_600_000).toISOString() });
    expect(created.json.status).toBe('scheduled');
    const patched = await admin.call('PATCH', `/api/v1/jobs/${created.json.jobId}`, { scheduledFor: null });
    expect(patched.status).toBe(200);
    await waitFor(async () => ((await admin.get(created.json.id)).json.scheduledFor === null ? true : null), { what: 'the export to follow its job' });
    await waitForExport(admin, created.json.id, ['succeeded'], 30_000);
  });

  it('records an app token as submitterKind app on the export and its job', async () => {
    const app = exportsClient(baseUrl, bearer('billing-sync', tenant, { admin: true, app: true }));
    const created = await app.request({ type: 'employees', format: 'csv' });
    expect(created.status).toBe(202);
    expect(created.json).toMatchObject({ submitterKind: 'app', requestedBy: 'billing-sync', scheduledFor: null });
    const job = (await app.call('GET', `/api/v1/jobs/${created.json.jobId}`)).json;
    expect(job).toMatchObject({ submitterKind: 'app', submitterRoles: ['admin'] });
  });
});

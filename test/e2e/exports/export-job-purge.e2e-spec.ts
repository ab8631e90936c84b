import { randomUUID } from 'crypto';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, ExportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from './export-support';

/**
 * The job purge (JOB_PURGE_AGE_MS after a job ended) removes the job's files, the export's file
 * among them, possibly before the export type's retention: the export must then say so (expired,
 * no download URL, 410) instead of offering a file that is gone, and refuse to resend it (409).
 */
describe('an export whose job was purged (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let pool: Pool;
  let admin: ExportsClient;

  beforeAll(async () => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    // The purge looks every second for jobs that ended more than the default 30 days ago: only
    // this test's job, aged below, and not every finished job of the run's earlier specs.
    worker = await startWorker({ ...EXPORT_ENV, JOB_PURGE_INTERVAL_MS: '1000' });
    admin = exportsClient(started.baseUrl, bearer('ada', tenant, { admin: true }));
  });

  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
    await pool?.end();
  });

  it('expires the export with its job: no download URL, 410, and resend refused', async () => {
    const created = await admin.request({ type: 'employees', format: 'csv' });
    expect(created.status).toBe(202);
    const done = await waitForExport(admin, created.json.id);
    expect(done.result.expired).toBe(false);
    expect(done.downloadUrl).toBeTruthy();
    expect((await admin.download(done.id)).status).toBe(200);

    // The job ended 31 days ago, as far as the purge can tell: it goes (and its file with it)...
    await pool.query(`UPDATE job_queue.job SET completed_at = now() - interval '31 days' WHERE id = $1`, [done.jobId]);
    await waitFor(async () => (await admin.call('GET', `/api/v1/jobs/${done.jobId}`)).status === 404, { timeoutMs: 30_000, intervalMs: 250, what: 'the job purged' });
    // ...and the export says so.
    const after = await waitFor(
      async () => {
        const read = (await admin.get(done.id)).json;
        return read.result?.expired === true ? read : null;
      },
      { timeoutMs: 10_000, what: 'the export expired' },
    );
    expect(after).toMatchObject({ status: 'succeeded', downloadUrl: null, result: { expired: true } });
    // Gone before its expiry: the answers say why, not "expired at" a date still to come.
    const gone = await admin.download(done.id);
    expect(gone.status).toBe(410);
    expect(gone.json.detail).toMatch(/^The file of export .* was removed at .*, before its expiry \(.*\): the export was cancelled, or its job deleted or purged$/);
    const resend = await admin.call('POST', `/api/v1/exports/${done.id}/resend`);
    expect(resend.status).toBe(409);
    expect(resend.json.detail).toMatch(/file was removed before its expiry/);
  });
});

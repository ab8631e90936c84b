import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { Pool } from 'pg';
import { seedEmployees } from '@porter/directory';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, waitForExport } from './export-support';

/** A worker killed mid-export leaves its partial temp file; a live worker's sweep removes it. */
describe('stale temporary files are swept (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  const workers: PorterProcess[] = [];
  let baseUrl: string;
  const tmp = () => path.join(process.env.STORAGE_DIR!, '.tmp');

  beforeAll(async () => {
    const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 1 });
    await seedEmployees(pool, { tenant, count: 20_000, seed: 5 });
    await pool.end();
    const started = await startApi(EXPORT_ENV);
    api = started.process;
    baseUrl = started.baseUrl;
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), ...workers.map((w) => w.stop())]);
  });

  it('removes the partial file of a SIGKILLed export within the sweep window, and the export still completes', async () => {
    const admin = exportsClient(baseUrl, bearer('ada', tenant, { admin: true }));
    const before = new Set(await fs.readdir(tmp()).catch(() => [] as string[]));
    const doomed = await startWorker({ ...EXPORT_ENV, EXPORT_BATCH_SIZE: '500', EXPORT_MAX_ROWS_PER_SECOND: '4000' });
    workers.push(doomed);
    const requested = await admin.request({ type: 'employees', format: 'csv' });
    const partial = await waitFor(
      async () => {
        const job = (await admin.call('GET', `/api/v1/jobs/${requested.json.jobId}`)).json;
        if (job.progress.processed < 2000) return null;
        const fresh = (await fs.readdir(tmp())).filter((name) => !before.has(name));
        return fresh.length ? fresh : null;
      },
      { timeoutMs: 60_000, what: 'the export to be writing its temp file' },
    );
    doomed.child.kill('SIGKILL');
    await doomed.stop();

    const sweeper = await startWorker({ ...EXPORT_ENV, STORAGE_TMP_MAX_AGE_MS: '3000', STORAGE_TMP_SWEEP_INTERVAL_MS: '500' });
    workers.push(sweeper);
    await waitFor(async () => ((await fs.readdir(tmp())).some((name) => partial.includes(name)) ? null : true), {
      timeoutMs: 20_000,
      what: 'the dead writer\'s temp file to be swept',
    });
    expect(sweeper.output()).toContain('stale temporary file(s) of dead writers');
    const info = await waitForExport(admin, requested.json.id, ['succeeded'], 60_000);
    expect(info.itemsCount).toBe(20_000);
  });
});

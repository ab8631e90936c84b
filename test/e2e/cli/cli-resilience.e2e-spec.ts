import { randomUUID } from 'crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { bearer } from '../../support/int-app';
import { freePort, PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { seedEmployees } from '../console/console-support';
import { runCli, startCli } from './cli-support';

// An export that runs for several seconds (4000 rows at 500 rows/s): time to restart the API
// while it runs.
const ENV = {
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '2000',
  EXPORT_BATCH_SIZE: '200',
  EXPORT_MAX_ROWS_PER_SECOND: '500',
  LOG_LEVEL: 'info',
};
const ROWS = 4000;

describe('porter CLI when the API restarts or says to retry later (real API and worker processes)', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  let port: string;
  const tenant = `t-${randomUUID()}`;
  const token = bearer('carol', tenant, { admin: true }).replace(/^Bearer /, '');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'porter-cli-restart-'));
  let env: Record<string, string>;

  beforeAll(async () => {
    // A port of its own, kept: the API started again after a stop listens where the CLI points.
    port = String(await freePort());
    [api, worker] = await Promise.all([startApi({ ...ENV, PORT: port }), startWorker(ENV), seedEmployees(tenant, ROWS)]);
    env = { PORTER_URL: api.baseUrl, PORTER_TOKEN: token, XDG_CONFIG_HOME: path.join(dir, 'config') };
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
  });

  it('export --wait goes on through an API restart while the job runs: a note on stderr, then the whole file saved, exit 0', async () => {
    const file = path.join(dir, 'through-restart.csv');
    const run = startCli(['export', 'employees', '--format', 'csv', '--wait', '-o', file], env);
    await waitFor(() => /^export employees: running [1-9]0% /m.test(run.stderr()), { timeoutMs: 30_000, intervalMs: 50, what: 'the export to be running' });
    const stoppedAt = Date.now();
    expect(await api.process.stop()).toBe(0);
    // Nothing listens on the port now: the CLI's reads are refused (or cut: ECONNRESET,
    // UND_ERR_SOCKET when the stopping API closes a request it had), and it says it retries.
    await waitFor(() => run.stderr().includes('API unreachable, retrying'), { timeoutMs: 15_000, intervalMs: 50, what: 'the CLI to note the API unreachable' }).catch((error) => {
      throw new Error(`${(error as Error).message}\n--- CLI stderr ---\n${run.stderr()}`);
    });
    api = await startApi({ ...ENV, PORT: port });
    const done = await run.done;
    expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(done.stdout).toMatch(/^Saved .+through-restart\.csv \(4000 rows, [\d.]+ KiB\)\.\n$/);
    expect(done.stderr).toMatch(/^API unreachable, retrying… \(The API at http:\/\/127\.0\.0\.1:\d+ could not be reached \([A-Z_]+\)\)$/m);
    expect(done.stderr).toMatch(/^export employees: succeeded 100% \(4000\/4000\)$/m);
    expect(parse(readFileSync(file, 'utf8'), { bom: true, columns: true })).toHaveLength(ROWS);
    expect(readdirSync(dir).filter((name) => name.endsWith('.part'))).toEqual([]);
    // The job was still running when the API went away: the CLI waited through the outage.
    const jobId = /\(job ([0-9a-f-]{36})\)/.exec(done.stderr)![1];
    const job = (await (await fetch(`${api.baseUrl}/api/v1/jobs/${jobId}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { status: string; completedAt: string };
    expect(job.status).toBe('succeeded');
    expect(Date.parse(job.completedAt)).toBeGreaterThan(stoppedAt);
  });

  it("a 429 says when to retry (the server's Retry-After) and exits 4; --json carries retryAfterSeconds", async () => {
    // A tenant allowed one waiting job: an export scheduled for later takes it; the next is refused.
    const full = `t-${randomUUID()}`;
    const operator = bearer('op', full, { operator: true });
    const set = await fetch(`${api.baseUrl}/api/v1/job-queue/tenants/${encodeURIComponent(full)}/limits`, {
      method: 'PUT',
      headers: { authorization: operator, 'content-type': 'application/json' },
      body: JSON.stringify({ maxPendingJobs: 1 }),
    });
    expect(set.status).toBe(200);
    const own = { ...env, PORTER_TOKEN: bearer('carol', full, { admin: true }).replace(/^Bearer /, '') };
    const later = new Date(Date.now() + 3_600_000).toISOString();
    expect((await runCli(['export', 'employees', '--format', 'csv', '--schedule', later], own)).code).toBe(0);

    const refused = await runCli(['export', 'employees', '--format', 'csv', '--schedule', later], own);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/^porter: Too Many Requests \(429\): .+; retry in \d+ s\n$/);
    const json = await runCli(['export', 'employees', '--format', 'csv', '--schedule', later, '--json'], own);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { status: 429, retryAfterSeconds: expect.any(Number) } });
  });
});

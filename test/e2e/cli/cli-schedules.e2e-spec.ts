import { randomUUID } from 'crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { parse } from 'csv-parse/sync';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { smtpReceiver } from '../../support/smtp-receiver';
import { waitFor } from '../../support/wait-for';
import { seedEmployees } from '../console/console-support';
import { runCli } from './cli-support';

const ENV = { JOB_POLLING_INTERVAL_MS: '200', EXPORT_BATCH_SIZE: '200', SHUTDOWN_GRACE_MS: '5000', LOG_LEVEL: 'info' };
const ROWS = 400;


/** The CLI's export options (--compression, --notify-email), `token --email`, and `porter schedules`, against the real API and worker. */
describe('porter CLI: compressed exports, email notification and recurring exports (real API and worker)', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  let smtp: Awaited<ReturnType<typeof smtpReceiver>>;
  const tenant = `t-${randomUUID()}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'porter-cli-schedules-'));
  let env: Record<string, string>;
  /** A token minted by the CLI itself (`porter token`), for this tenant. */
  const mint = async (...args: string[]) => {
    const minted = await runCli(['token', '--tenant', tenant, ...args], {});
    expect(minted).toMatchObject({ code: 0, stderr: '' });
    return minted.stdout.trim();
  };
  const apiGet = (url: string, token: string) => fetch(`${api.baseUrl}${url}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    smtp = await smtpReceiver();
    const processEnv = { ...ENV, SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMTP_FROM: 'Porter <porter@example.test>' };
    [api, worker] = await Promise.all([startApi(processEnv), startWorker(processEnv), seedEmployees(tenant, ROWS)]);
    env = { PORTER_URL: api.baseUrl, PORTER_TOKEN: await mint('--user', 'carol', '--admin'), XDG_CONFIG_HOME: path.join(dir, 'config') };
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
    await new Promise((resolve) => (smtp ? smtp.server.close(() => resolve(undefined)) : resolve(undefined)));
  });

  it('export --compression gzip --wait saves the server-named .csv.gz, which gunzips to the same CSV as the plain export', async () => {
    const plainFile = path.join(dir, 'plain.csv');
    const plain = await runCli(['export', 'employees', '-f', 'csv', '--columns', 'email,department', '-o', plainFile], env);
    expect(plain.code).toBe(0);
    const into = path.join(dir, 'gz');
    mkdirSync(into);
    const gz = await runCli(['export', 'employees', '-f', 'csv', '--columns', 'email,department', '--compression', 'gzip', '--wait', '--json'], env, { cwd: into });
    expect(gz.code).toBe(0);
    const result = JSON.parse(gz.stdout);
    expect(result.export).toMatchObject({ status: 'succeeded', compression: 'gzip', itemsCount: ROWS });
    expect(path.basename(result.file)).toBe(result.export.result.fileName);
    expect(result.file).toMatch(new RegExp(`^${into.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/employees-\\d{4}-\\d{2}-\\d{2}-[0-9a-f]{8}\\.csv\\.gz$`));
    expect(readdirSync(into)).toEqual([path.basename(result.file)]);
    const compressed = readFileSync(result.file);
    expect(compressed.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const csv = gunzipSync(compressed);
    expect(csv.equals(readFileSync(plainFile))).toBe(true);
    const rows = parse(csv.toString('utf8'), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(ROWS);
    expect(Object.keys(rows[0])).toEqual(['email', 'department']);

    // XLSX is a zip already: the server's 400 names the field, exit 2, and nothing is exported.
    const xlsx = await runCli(['export', 'employees', '-f', 'xlsx', '--compression', 'gzip', '--json'], env);
    expect(xlsx.code).toBe(2);
    expect(JSON.parse(xlsx.stdout).error.errors).toEqual([expect.objectContaining({ path: 'compression' })]);
    expect(xlsx.stderr).toMatch(/^ {2}compression: /m);
  });

  it('token --email makes a token the API accepts; export --notify-email mails that address; without the claim the API refuses (exit 2, notify.email)', async () => {
    const ada = await mint('--user', 'ada', '--admin', '--email', 'ada@acme.example');
    expect(JSON.parse(Buffer.from(ada.split('.')[1], 'base64url').toString('utf8'))).toMatchObject({ sub: 'ada', tenant, email: 'ada@acme.example' });
    const jobs = await apiGet('/api/v1/jobs?limit=1', ada);
    expect(jobs.status).toBe(200);

    const file = path.join(dir, 'notified.csv');
    const run = await runCli(['export', 'employees', '-f', 'csv', '--name', 'cli notify', '--notify-email', '-o', file, '--json'], { ...env, PORTER_TOKEN: ada });
    expect(run.code).toBe(0);
    const exported = JSON.parse(run.stdout).export;
    expect(exported).toMatchObject({ status: 'succeeded', requestedBy: 'ada', itemsCount: ROWS });
    const mail = await waitFor(() => smtp.mails.find((m) => m.data.includes(exported.id)), { timeoutMs: 30_000, what: 'the export-ready email' });
    expect(mail.to).toEqual(['ada@acme.example']);

    const noEmail = await runCli(['export', 'employees', '-f', 'csv', '--notify-email', '--json'], env);
    expect(noEmail.code).toBe(2);
    expect(JSON.parse(noEmail.stdout).error).toMatchObject({ status: 422, errors: [{ path: 'notify.email', message: 'your token carries no email address (claim "email")' }] });
    expect(noEmail.stderr).toContain('  notify.email: your token carries no email address');

    const malformed = await runCli(['token', '--user', 'ada', '--tenant', tenant, '--email', 'Ada <ada@acme.example>'], {});
    expect(malformed).toMatchObject({ code: 2, stdout: '' });
    expect(malformed.stderr).toContain('porter: --email must be one plain address');
  });

  it('schedules: create, ls, show with nextRuns, pause, resume, run-now --wait downloading the file, rm', async () => {
    const created = await runCli(
      ['schedules', 'create', 'employees', '-f', 'csv', '--cron', '0 6 * * 1-5', '--timezone', 'Europe/Berlin', '--name', 'cli weekday list', '--columns', 'email,department', '--filter', 'department=Sales', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const schedule = JSON.parse(created.stdout);
    expect(schedule).toMatchObject({ name: 'cli weekday list', type: 'employees', format: 'csv', columns: ['email', 'department'], filters: { department: 'Sales' }, cron: '0 6 * * 1-5', timezone: 'Europe/Berlin', enabled: true, createdBy: 'carol' });
    const id: string = schedule.id;

    const ls = await runCli(['schedules', 'ls'], env);
    expect(ls.code).toBe(0);
    const lines = ls.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+TYPE\s+FORMAT\s+CRON\s+TIMEZONE\s+STATE\s+NEXT RUN$/);
    expect(lines[1]).toMatch(new RegExp(`^${id}\\s+cli weekday list\\s+employees\\s+csv\\s+0 6 \\* \\* 1-5\\s+Europe/Berlin\\s+enabled\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:00:00Z$`));
    expect(lines[2]).toBe('1 of 1 schedule(s)');
    expect(JSON.parse((await runCli(['schedules', 'ls', '--json', '--limit', '5'], env)).stdout)).toMatchObject({ totalRecords: 1, items: [{ id }] });

    const shown = await runCli(['schedules', 'show', id, '--json'], env);
    expect(shown.code).toBe(0);
    const { schedule: one, runs } = JSON.parse(shown.stdout);
    expect(one.nextRuns).toHaveLength(5);
    expect(runs).toEqual({ items: [], totalRecords: 0 });
    // 06:00 in Berlin on weekdays: 05:00 UTC in winter, 04:00 in summer.
    for (const tick of one.nextRuns) expect([1, 2, 3, 4, 5]).toContain(new Date(tick).getUTCDay());
    const text = await runCli(['schedules', 'show', id], env);
    expect(text.stdout).toContain(`cron       0 6 * * 1-5 in Europe/Berlin`);
    expect(text.stdout).toMatch(/^next runs {2}\d{4}-\d{2}-\d{2} 0[45]:00:00Z \(\d{4}-\d{2}-\d{2} 06:00 Europe\/Berlin\)$/m);
    expect(text.stdout.match(/06:00 Europe\/Berlin\)$/gm)).toHaveLength(5);

    const paused = await runCli(['schedules', 'pause', id], env);
    expect(paused).toMatchObject({ code: 0, stdout: `Schedule ${id} paused.\n` });
    expect(await (await apiGet(`/api/v1/export-schedules/${id}`, env.PORTER_TOKEN)).json()).toMatchObject({ enabled: false, nextRunAt: null });
    expect((await runCli(['schedules', 'ls'], env)).stdout).toMatch(new RegExp(`^${id}\\s.*\\spaused\\s+-$`, 'm'));
    const resumed = await runCli(['schedules', 'resume', id, '--json'], env);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ id, enabled: true, nextRunAt: one.nextRuns[0] });

    const into = path.join(dir, 'run-now');
    mkdirSync(into);
    const ran = await runCli(['schedules', 'run-now', id, '--wait', '-o', into, '--json'], env);
    expect(ran.code).toBe(0);
    const result = JSON.parse(ran.stdout);
    expect(result).toMatchObject({ run: { trigger: 'manual', status: 'requested' }, export: { status: 'succeeded', scheduleId: id, itemsCount: ROWS / 2 } });
    expect(path.dirname(result.file)).toBe(into);
    const rows = parse(readFileSync(result.file, 'utf8'), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(ROWS / 2);
    expect(Object.keys(rows[0])).toEqual(['email', 'department']);
    expect(new Set(rows.map((r) => r.department))).toEqual(new Set(['Sales']));
    const afterRun = await runCli(['schedules', 'show', id], env);
    expect(afterRun.stdout).toContain('runs       latest first, 1 of 1');
    expect(afterRun.stdout).toMatch(new RegExp(`^ {2}\\S+ \\S+\\s+manual\\s+${result.export.id}\\s+succeeded\\s+${ROWS / 2} rows, ${result.export.result.fileName}$`, 'm'));

    const removed = await runCli(['schedules', 'rm', id], env);
    expect(removed).toMatchObject({ code: 0, stdout: `Schedule ${id} deleted (the exports it made stay).\n` });
    expect((await apiGet(`/api/v1/export-schedules/${id}`, env.PORTER_TOKEN)).status).toBe(404);
    expect((await apiGet(`/api/v1/exports/${result.export.id}`, env.PORTER_TOKEN)).status).toBe(200);
    const gone = await runCli(['schedules', 'show', id], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('(404)');
    expect((await runCli(['schedules', 'rm', id], env)).code).toBe(1);
  });

  it('schedules create refused by the API (a bad cron, an unknown zone): exit 2 naming each field, and no schedule is made', async () => {
    // A tenant of its own: that nothing was created is seen in an empty list.
    const own = { ...env, PORTER_TOKEN: (await runCli(['token', '--user', 'carol', '--tenant', `t-${randomUUID()}`, '--admin'], {})).stdout.trim() };
    const refused = await runCli(['schedules', 'create', 'employees', '-f', 'csv', '--cron', '61 * * * *', '--timezone', 'Europe/Berlin'], own);
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toMatch(/^porter: .*\(400\)/m);
    expect(refused.stderr).toMatch(/^ {2}cron: .+$/m);
    const both = await runCli(['schedules', 'create', 'employees', '-f', 'csv', '--cron', 'every day', '--timezone', 'Mars/Olympus', '--json'], own);
    expect(both.code).toBe(2);
    expect(JSON.parse(both.stdout).error.errors.map((e: { path: string }) => e.path).sort()).toEqual(['cron', 'timezone']);
    expect(JSON.parse((await runCli(['schedules', 'ls', '--json'], own)).stdout)).toMatchObject({ totalRecords: 0 });
  });
});

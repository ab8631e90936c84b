import { randomUUID } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse } from 'csv-parse/sync';
import { loadConfig, TokenVerifier } from '@porter/platform';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { seedEmployees } from '../console/console-support';
import { client, waitForJob } from '../jobs/job-support';
import { waitFor } from '../../support/wait-for';
import { ANSI, runCli, runCliInPty, startCli } from './cli-support';

const ENV = {
  PORTER_ENABLE_TEST_JOB_TYPES: '1',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_LOCK_DURATION_MS: '5000',
  SHUTDOWN_GRACE_MS: '5000',
  EXPORT_BATCH_SIZE: '200',
  EXPORT_MAX_ROWS_PER_SECOND: '2000',
  UPLOAD_MAX_BYTES: '100000',
  LOG_LEVEL: 'info',
};
const ROWS = 3000;

describe('porter CLI as a child process against the real API and worker', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  const tenant = `t-${randomUUID()}`;
  const token = bearer('carol', tenant, { admin: true }).replace(/^Bearer /, '');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'porter-cli-'));
  let env: Record<string, string>;

  beforeAll(async () => {
    [api, worker] = await Promise.all([startApi(ENV), startWorker(ENV), seedEmployees(tenant, ROWS)]);
    env = { PORTER_URL: api.baseUrl, PORTER_TOKEN: token, XDG_CONFIG_HOME: path.join(dir, 'config') };
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
  });

  it('export --wait on a terminal draws a progress bar, downloads the file and exits 0', async () => {
    const file = path.join(dir, 'all.csv');
    const run = runCliInPty(['export', 'employees', '--format', 'csv', '--wait', '-o', file], env, dir);
    expect(await run.exited).toBe(0);
    const output = run.output();
    expect(output).toMatch(/export employees \[█+░*\] \d+%/);
    expect(output).toMatch(/\[█{30}\] 100% 3,000\/3,000 rows succeeded/);
    // Then the file's own bar, in bytes of the server's file.
    const size = statSync(file).size;
    expect(output).toMatch(new RegExp(`download employees-[\\w-]+\\.csv \\[█{30}\\] 100% ${size.toLocaleString()}/${size.toLocaleString()} bytes downloaded`));
    expect(output).toContain(`Saved ${file} (3000 rows`);
    expect(parse(readFileSync(file, 'utf8'), { bom: true, columns: true })).toHaveLength(ROWS);
  });

  it('export --wait piped without --json: plain progress lines on stderr, no ANSI codes and no bars, the saved line on stdout', async () => {
    const file = path.join(dir, 'piped.csv');
    const run = await runCli(['export', 'employees', '--format', 'csv', '--wait', '-o', file], env);
    expect(run.code).toBe(0);
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toMatch(ANSI);
      expect(text).not.toMatch(/[█░\r]/);
    }
    expect(run.stdout).toMatch(new RegExp(`^Saved ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(3000 rows, [\\d.]+ KiB\\)\\.\\n$`));
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Export \S+ requested \(job \S+\)\.$/);
    // The job's lines, then the download's (whole tens of percent of the file's bytes).
    const downloading = lines.filter((line) => line.startsWith('download '));
    const progress = lines.slice(1, lines.length - downloading.length);
    const size = statSync(file).size;
    expect(downloading[downloading.length - 1]).toMatch(new RegExp(`^download employees-[\\w-]+\\.csv: downloaded 100% \\(${size}/${size}\\)$`));
    for (const line of downloading) expect(line).toMatch(/^download employees-[\w-]+\.csv: download(ing|ed) \d+% \(\d+\/\d+\)$/);
    // One line per change of state or whole ten percent, never a repeat; the last one is the end.
    for (const line of progress) expect(line).toMatch(/^export employees: (pending|running|succeeded)( \d+% \(\d+\/\d+\)|, \d+ rows so far)?$/);
    // A count that moved on is never shown under a status from before the job ran.
    expect(progress.filter((line) => /: (scheduled|pending) [1-9]/.test(line))).toEqual([]);
    expect(new Set(progress).size).toBe(progress.length);
    expect(progress[progress.length - 1]).toBe(`export employees: succeeded 100% (${ROWS}/${ROWS})`);
    expect(parse(readFileSync(file, 'utf8'), { bom: true, columns: true })).toHaveLength(ROWS);
  });

  it('export --json (not a terminal) prints one JSON document, no bars, and saves under the server file name', async () => {
    const run = await runCli(['export', 'employees', '--format', 'jsonl', '--filter', 'department=Sales', '--filter', 'active=true', '--wait', '--json'], env, { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(ANSI);
    expect(run.stderr).not.toMatch(ANSI);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ export: { status: 'succeeded', itemsCount: ROWS / 2, filters: { department: 'Sales', active: true } } });
    expect(path.dirname(result.file)).toBe(dir);
    expect(result.file).toMatch(/\.jsonl$/);
    const lines = readFileSync(result.file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(ROWS / 2);
    expect(new Set(lines.map((l) => JSON.parse(l).department))).toEqual(new Set(['Sales']));
  });

  it('import with bad rows: upload then processing bars, a summary, failed rows saved beside the file, exit 1', async () => {
    const file = path.join(dir, 'people.csv');
    writeFileSync(file, 'email,first_name,last_name\ncli1@example.com,Ann,One\nnope,Bad,Email\ncli2@example.com,,Nameless\n');
    const run = runCliInPty(['import', 'employees', file, '--wait'], env, dir);
    expect(await run.exited).toBe(1);
    const output = run.output();
    expect(output).toMatch(/upload people\.csv \[█{30}\] 100%/);
    expect(output).toMatch(/import employees \[█{30}\] 100% 3\/3 rows succeeded/);
    expect(output).toContain('people.csv: 3 rows, 1 imported, 2 failed (batch partially_failed).');
    const failed = path.join(dir, 'people.failed-rows.csv');
    expect(output).toContain(`Failed rows with their reasons: ${failed}`);
    const rows = parse(readFileSync(failed, 'utf8'), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.email)).toEqual(['nope', 'cli2@example.com']);
    expect(rows[0].error).toContain('is not an email address');
    expect(rows[1].error).toContain('a value is required');
  });

  it('import --dry-run --json: every row valid, nothing written, exit 0', async () => {
    const file = path.join(dir, 'fine.csv');
    writeFileSync(file, 'email,first_name,last_name\ndry1@example.com,Dry,One\ndry2@example.com,Dry,Two\n');
    const run = await runCli(['import', 'employees', file, '--dry-run', '--wait', '--json'], env);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ dryRun: true, failedRowsFile: null, batch: { status: 'completed', counts: { total: 2, completed: 2, failed: 0 } } });
    // The record as it ended (read again after the batch), not as POST /imports made it.
    expect(result.record).toMatchObject({ status: 'completed', finalizedAt: expect.any(String), completedAt: expect.any(String), batches: [{ id: result.batch.id }] });
    expect(existsSync(path.join(dir, 'fine.failed-rows.csv'))).toBe(false);
    const exported = await runCli(['export', 'employees', '--format', 'csv', '--filter', 'department=nowhere', '--json'], env);
    expect(exported.code).toBe(0);
  });

  it("import whose batch fails as a whole prints the batch's reason (header only; --on-error abort), and keeps it in --json", async () => {
    // A tenant of its own: these failed jobs stay out of the `jobs ls --status failed` below.
    const own = { ...env, PORTER_TOKEN: bearer('carol', `t-${randomUUID()}`, { admin: true }).replace(/^Bearer /, '') };
    const header = path.join(dir, 'header.csv');
    writeFileSync(header, 'email,first_name,last_name\n');
    const headerOnly = await runCli(['import', 'employees', header, '--wait'], own);
    expect(headerOnly.code).toBe(1);
    expect(headerOnly.stdout).toBe('header.csv: 0 rows, 0 imported, 0 failed (batch failed: the file has a header row but no data rows).\n');

    const abort = path.join(dir, 'abort.csv');
    writeFileSync(abort, 'email,first_name,last_name\nabort1@example.com,Ann,One\nnot-an-email,Bad,Row\n');
    const aborted = await runCli(['import', 'employees', abort, '--on-error', 'abort', '--wait', '--json'], own);
    expect(aborted.code).toBe(1);
    const result = JSON.parse(aborted.stdout);
    expect(result.batch).toMatchObject({ status: 'failed', onError: 'abort', errorDetails: expect.stringMatching(/^aborted .*: row \d+ is invalid: .*email/) });
    const text = await runCli(['import', 'employees', abort, '--on-error', 'abort', '--wait'], own);
    expect(text.stdout).toContain(`(batch failed: ${result.batch.errorDetails}).`);
    // The file's rows, not only those with a result: an abort stores the invalid row's result only.
    expect(text.stdout).toMatch(/^abort\.csv: 2 rows, 0 imported, 1 failed, 1 not imported \(batch failed: /);
  });

  it('a refused upload leaves no empty import record behind (the CLI deletes the one it created)', async () => {
    const own = bearer('carol', `t-${randomUUID()}`, { admin: true }).replace(/^Bearer /, '');
    const utf16 = path.join(dir, 'utf16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email,first_name,last_name\n', 'utf16le')]));
    const refused = await runCli(['import', 'employees', utf16, '--wait'], { ...env, PORTER_TOKEN: own });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('(415): Unsupported file: the file is UTF-16');
    const list = await fetch(`${api.baseUrl}/api/v1/imports`, { headers: { authorization: `Bearer ${own}` } });
    expect(await list.json()).toMatchObject({ totalRecords: 0, items: [] });
  });

  it('export --columns sends the columns as given: the file has those, in that order; an unknown one is the server\'s 400', async () => {
    const file = path.join(dir, 'two-columns.csv');
    const run = await runCli(['export', 'employees', '--format', 'csv', '--columns', 'email,last_name', '-o', file], env);
    expect(run.code).toBe(0);
    const [header] = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
    expect(header).toBe('email,last_name');
    const unknown = await runCli(['export', 'employees', '--format', 'csv', '--columns', 'email,shoe_size'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('shoe_size');
  });

  it('a bad -o is a usage error (exit 2, one line) before any export is requested', async () => {
    const own = bearer('carol', `t-${randomUUID()}`, { admin: true }).replace(/^Bearer /, '');
    const ownEnv = { ...env, PORTER_TOKEN: own };
    const missingDir = await runCli(['export', 'employees', '-f', 'csv', '-o', '/nonexistent/dir/x.csv'], ownEnv);
    // One line (a "porter: building" note from the bin, when the sources changed meanwhile, aside).
    const messages = (run: { stderr: string }) => run.stderr.split('\n').filter((line) => line && !line.startsWith('porter: building'));
    expect(missingDir).toMatchObject({ code: 2, stdout: '' });
    expect(messages(missingDir)).toEqual(['porter: -o /nonexistent/dir/x.csv: the directory /nonexistent/dir does not exist']);
    const newDir = await runCli(['export', 'employees', '-f', 'csv', '-o', 'newdir/'], ownEnv, { cwd: dir });
    expect(newDir).toMatchObject({ code: 2, stdout: '' });
    expect(messages(newDir)).toEqual(['porter: -o newdir/: no such directory (a path ending in "/" names an existing directory)']);
    const exports = await fetch(`${api.baseUrl}/api/v1/exports`, { headers: { authorization: `Bearer ${own}` } });
    expect(await exports.json()).toMatchObject({ totalRecords: 0 });
    // An existing directory is fine: the file goes in under its own name.
    const intoDir = await runCli(['export', 'employees', '-f', 'csv', '--columns', 'email', '-o', `${dir}/`, '--json'], env);
    expect(intoDir.code).toBe(0);
    expect(path.dirname(JSON.parse(intoDir.stdout).file)).toBe(dir);
  });

  it('export --wait cancelled meanwhile: "Export … cancelled." without the status repeated as its reason, exit 1', async () => {
    const carol = client(api.baseUrl, `Bearer ${token}`);
    const cli = startCli(['export', 'employees', '--format', 'csv', '--wait', '-o', path.join(dir, 'cancelled.csv')], env);
    await waitFor(() => /requested \(job \S+\)/.test(cli.stderr()), { timeoutMs: 20_000, what: 'the export to be requested' });
    const jobId = /requested \(job (\S+)\)/.exec(cli.stderr())![1];
    const cancel = await fetch(`${api.baseUrl}/api/v1/jobs/${jobId}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(cancel.status).toBe(200);
    const run = await cli.done;
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^Export \S+ cancelled\.\n$/);
    expect((await carol.job(jobId)).status).toBe('cancelled');
  });

  it('jobs ls, show, watch (exit 1 for a failed job), cancel and retry, with --json', async () => {
    const carol = client(api.baseUrl, `Bearer ${token}`);
    const failing = await carol.submit('porter-test.steps', { steps: 2, stepMs: 10, failAttempts: 1, nonRetryable: true }, { name: 'fails once' });
    const watched = await runCli(['jobs', 'watch', failing, '--json'], env);
    expect(watched.code).toBe(1);
    expect(JSON.parse(watched.stdout)).toMatchObject({ id: failing, status: 'failed' });

    const ls = await runCli(['jobs', 'ls', '--status', 'failed', '--json'], env);
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.stdout)).toMatchObject({ totalRecords: 1, items: [{ id: failing, name: 'fails once' }] });
    const table = await runCli(['jobs', 'ls', '--limit', '50'], env);
    expect(table.stdout).toMatch(new RegExp(`${failing}\\s+porter-test\\.steps\\s+fails once\\s+failed`));

    const shown = await runCli(['jobs', 'show', failing, '--json'], env);
    expect(JSON.parse(shown.stdout)).toMatchObject({ job: { id: failing }, events: expect.arrayContaining([expect.objectContaining({ type: 'failed' })]), files: [] });

    const later = await carol.submit('porter-test.steps', { steps: 2, stepMs: 10 }, { scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
    const cancelled = await runCli(['jobs', 'cancel', later], env);
    expect(cancelled).toMatchObject({ code: 0, stdout: `Job ${later} cancelled.\n` });
    expect((await runCli(['jobs', 'cancel', later], env)).code).toBe(1); // 409: already ended
    const retried = await runCli(['jobs', 'retry', later, '--wait', '--json'], env);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ id: later, status: 'succeeded' });
  });

  it('Ctrl-C while waiting asks whether to cancel the job; "y" cancels it (exit 1)', async () => {
    const carol = client(api.baseUrl, `Bearer ${token}`);
    const id = await carol.submit('porter-test.steps', { steps: 600, stepMs: 100 });
    await waitForJob(carol, id, (j) => j.status === 'running', 'the long job to run');
    const run = runCliInPty(['jobs', 'watch', id], env);
    await run.waitForOutput(/\[█*░+\] \d+%/);
    run.write('\u0003');
    await run.waitForOutput(new RegExp(`Cancel job ${id}\\? \\[y/N\\]`));
    run.write('y\r');
    const code = await run.exited;
    expect({ code, output: run.output() }).toEqual({ code: 1, output: expect.stringContaining(`Job ${id} cancelled.`) });
    expect(run.output()).toContain(`Job ${id} cancelled.`);
    expect((await carol.job(id)).status).toBe('cancelled');
  });

  it('Ctrl-C while waiting answered "n" goes on waiting: the job ends on its own and the CLI exits 0', async () => {
    const carol = client(api.baseUrl, `Bearer ${token}`);
    const id = await carol.submit('porter-test.steps', { steps: 60, stepMs: 100 });
    await waitForJob(carol, id, (j) => j.status === 'running', 'the job to run');
    const logFrom = api.process.output().length;
    const run = runCliInPty(['jobs', 'watch', id], env);
    await run.waitForOutput(/\[█*░+\] \d+%/);
    run.write('\u0003');
    await run.waitForOutput(new RegExp(`Cancel job ${id}\\? \\[y/N\\]`));
    run.write('n\r');
    const code = await run.exited;
    // The ~6 s wait followed the job's stream: the job itself read once at the start and once to
    // confirm its end (the API's request log), not every second.
    const requests = api.process.output().slice(logFrom);
    const count = (url: string) => requests.split(`"url":"${url}"`).length - 1;
    expect(count(`/api/v1/jobs/${id}/stream`)).toBeGreaterThanOrEqual(1);
    expect(count(`/api/v1/jobs/${id}`)).toBeLessThanOrEqual(3);
    expect({ code, output: run.output() }).toEqual({ code: 0, output: expect.stringContaining(`Job ${id} succeeded.`) });
    expect(run.output()).not.toContain('Cancelling job');
    expect(run.output()).toMatch(/\[█{30}\] 100% 60\/60 items succeeded/);
    expect((await carol.job(id)).status).toBe('succeeded');
  });

  it('Ctrl-C (SIGINT) with no terminal on stdin stops waiting with exit 130 and leaves the job running', async () => {
    const carol = client(api.baseUrl, `Bearer ${token}`);
    const id = await carol.submit('porter-test.steps', { steps: 600, stepMs: 100 });
    await waitForJob(carol, id, (j) => j.status === 'running', 'the long job to run');
    const cli = startCli(['jobs', 'watch', id], env);
    await waitFor(() => /: running \d+%/.test(cli.stderr()), { timeoutMs: 20_000, what: 'a progress line from the CLI' });
    cli.child.kill('SIGINT');
    const run = await cli.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain(`porter: Stopped waiting; job ${id} goes on (follow it with: porter jobs watch ${id})`);
    expect(run.stderr).not.toContain('Cancel job');
    const after = await carol.job(id);
    expect(after.status).toBe('running');
    // Still running: its progress moves on after the CLI has gone.
    await waitForJob(carol, id, (j) => j.status === 'running' && j.progress.processed > after.progress.processed, 'the job to go on after the CLI stopped');
    expect((await runCli(['jobs', 'cancel', id], env)).code).toBe(0);
  });

  it('`npx porter --help` from the repository root works (the package bin)', async () => {
    const run = await startCli(['porter', '--help'], env, { command: ['npx', '--no-install'] }).done;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: porter [options] [command]');
    for (const command of ['export', 'import', 'jobs', 'schedules', 'login', 'logout', 'token']) expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('exit codes: 2 for usage errors and invalid requests, 3 for an unreachable API or a refused token', async () => {
    const missingFormat = await runCli(['export', 'employees'], env);
    expect(missingFormat.code).toBe(2);
    expect(missingFormat.stderr).toContain("required option '-f, --format <format>' not specified");
    // No type at all: the type is what is missing, whatever else is.
    const missingType = await runCli(['export'], env);
    expect(missingType.code).toBe(2);
    expect(missingType.stderr).toContain("missing required argument 'type'");
    expect(missingType.stderr).not.toContain('--format');
    expect((await runCli(['export', 'employees', '--format', 'pdf'], env)).code).toBe(2);
    expect((await runCli(['frobnicate'], env)).code).toBe(2);
    expect((await runCli(['--help'], env)).code).toBe(0);
    // A command group without its subcommand: help on stderr, exit 2; its own --help exits 0.
    const noSubcommand = await runCli(['jobs'], env);
    expect(noSubcommand).toMatchObject({ code: 2, stdout: '', stderr: expect.stringContaining('Usage: porter jobs') });
    expect(await runCli(['jobs', '--help'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining('Usage: porter jobs') });

    const badFilter = await runCli(['export', 'employees', '--format', 'csv', '--filter', 'colour=red', '--json'], env);
    expect(badFilter.code).toBe(2);
    expect(JSON.parse(badFilter.stdout).error).toMatchObject({ status: 422, title: 'Unprocessable Content' });
    expect(badFilter.stderr).toContain('porter: Unprocessable Content (422)');
    expect(badFilter.stderr).toContain('colour');

    const noFile = await runCli(['import', 'employees', path.join(dir, 'missing.csv')], env);
    expect(noFile.code).toBe(2);
    // The server's limit is read first (GET /imports/configuration): a larger file is never sent.
    const limits = await fetch(`${api.baseUrl}/api/v1/imports/configuration`, { headers: { authorization: `Bearer ${token}` } });
    expect(await limits.json()).toEqual({ maxUploadBytes: 100000, maxFilesPerUpload: 1 });
    const big = path.join(dir, 'big.csv');
    writeFileSync(big, 'email,first_name,last_name\n' + 'x'.repeat(100_001));
    const before = ((await (await fetch(`${api.baseUrl}/api/v1/imports`, { headers: { authorization: `Bearer ${token}` } })).json()) as { totalRecords: number }).totalRecords;
    const tooLarge = await runCli(['import', 'employees', big], env);
    expect(tooLarge.code).toBe(2);
    expect(tooLarge.stderr).toContain('larger than the server accepts (97.7 KiB)');
    expect(((await (await fetch(`${api.baseUrl}/api/v1/imports`, { headers: { authorization: `Bearer ${token}` } })).json()) as { totalRecords: number }).totalRecords).toBe(before);

    const unreachable = await runCli(['jobs', 'ls', '--json'], { ...env, PORTER_URL: 'http://127.0.0.1:9' });
    expect(unreachable.code).toBe(3);
    expect(JSON.parse(unreachable.stdout).error).toMatchObject({ title: 'API unreachable' });
    const refused = await runCli(['jobs', 'ls'], { ...env, PORTER_TOKEN: 'not-a-token' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('Unauthorized (401)');
    const noToken = await runCli(['jobs', 'ls'], { ...env, PORTER_TOKEN: '' });
    expect(noToken.code).toBe(3);
    expect(noToken.stderr).toContain('No token');
  });

  it('login on a terminal: the pasted token is not echoed; Ctrl-C at the prompt is exit 130, Ctrl-D a usage error, neither a silent 0', async () => {
    const config = { XDG_CONFIG_HOME: path.join(dir, 'login-pty-config') };
    const file = path.join(dir, 'login-pty-config', 'porter', 'config.json');
    const login = runCliInPty(['login', '--url', api.baseUrl], config, dir);
    await login.waitForOutput(/Paste a bearer token \(not shown\): /);
    login.write(`${token}\r`);
    expect(await login.exited).toBe(0);
    expect(login.output()).toContain(`Signed in to ${api.baseUrl} as carol (tenant ${tenant}); saved in ${file}.`);
    expect(login.output()).not.toContain(token.slice(-20));
    expect(existsSync(file)).toBe(true);

    for (const [key, code, message] of [['\u0003', 130, 'Interrupted: no token stored'], ['\u0004', 2, 'No token given']] as const) {
      const run = runCliInPty(['login', '--url', api.baseUrl], { ...config, XDG_CONFIG_HOME: path.join(dir, `login-pty-${code}`) }, dir);
      await run.waitForOutput(/not shown\): /);
      run.write(key);
      expect(await run.exited).toBe(code);
      expect(run.output()).toContain(`porter: ${message}`);
    }
  });

  it('login checks the token and keeps it in a 0600 file; token (and the npm alias) mint tokens', async () => {
    const config = { XDG_CONFIG_HOME: path.join(dir, 'login-config') };
    const refused = await runCli(['login', '--url', api.baseUrl], config, { input: 'garbage\n' });
    expect(refused.code).toBe(3);
    expect(existsSync(path.join(dir, 'login-config', 'porter', 'config.json'))).toBe(false);

    const login = await runCli(['login', '--url', api.baseUrl, '--json'], config, { input: `${token}\n` });
    expect(login.code).toBe(0);
    const file = path.join(dir, 'login-config', 'porter', 'config.json');
    expect(JSON.parse(login.stdout)).toEqual({ url: api.baseUrl, user: 'carol', tenant, configFile: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const ls = await runCli(['jobs', 'ls', '--json'], config);
    expect(ls.code).toBe(0);
    expect(JSON.parse(ls.stdout).totalRecords).toBeGreaterThan(0);

    const logout = await runCli(['logout', '--json'], config);
    expect(logout.code).toBe(0);
    expect(JSON.parse(logout.stdout)).toEqual({ configFile: file, removed: true });
    expect(existsSync(file)).toBe(false);
    // Nothing left to remove: said so, still exit 0.
    expect(await runCli(['logout', '--json'], config)).toMatchObject({ code: 0, stdout: JSON.stringify({ configFile: file, removed: false }, null, 2) + '\n' });
    expect(await runCli(['logout'], config)).toMatchObject({ code: 0, stdout: `Nothing to remove: no login is stored (${file} does not exist).\n` });
    const afterLogout = await runCli(['jobs', 'ls', '--json'], config);
    expect(afterLogout.code).toBe(3);
    expect(afterLogout.stderr).toContain('No token');

    const asJson = await runCli(['token', '--user', 'dave', '--tenant', 'acme', '--json'], {});
    expect(asJson.code).toBe(0);
    const document = JSON.parse(asJson.stdout);
    expect(Object.keys(document)).toEqual(['token']);
    expect(await new TokenVerifier(loadConfig()).verify(document.token)).toMatchObject({ userId: 'dave', tenant: 'acme', roles: [] });

    const minted = await runCli(['token', '--user', 'dave', '--tenant', 'acme', '--admin', '--scopes', 's1,s2'], {});
    expect(minted.code).toBe(0);
    expect(await new TokenVerifier(loadConfig()).verify(minted.stdout.trim())).toMatchObject({ userId: 'dave', tenant: 'acme', roles: ['admin'], scopes: ['s1', 's2'] });
    const alias = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const { spawn } = require('child_process') as typeof import('child_process');
      const child = spawn('npm', ['run', '--silent', 'token', '--', '--user', 'erin', '--tenant', 'acme'], { cwd: path.resolve(__dirname, '../../..') });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.on('close', (code: number | null) => resolve({ code, out }));
    });
    expect(alias.code).toBe(0);
    expect(await new TokenVerifier(loadConfig()).verify(alias.out.trim())).toMatchObject({ userId: 'erin', tenant: 'acme', roles: [] });
  });

  it('token --app mints a service-account token (kind "app"); its export and jobs show submitterKind "app"; the npm alias takes --app too', async () => {
    const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
    const minted = await runCli(['token', '--app', 'nightly-report', '--tenant', tenant, '--admin'], {});
    expect(minted.code).toBe(0);
    const appToken = minted.stdout.trim();
    expect(decode(appToken)).toMatchObject({ sub: 'nightly-report', tenant, kind: 'app', roles: ['admin'] });
    expect(await new TokenVerifier(loadConfig()).verify(appToken)).toMatchObject({ userId: 'nightly-report', tenant, kind: 'app' });
    // A user token says nothing of its kind (a user is the default).
    expect(decode((await runCli(['token', '--user', 'dave', '--tenant', tenant], {})).stdout.trim()).kind).toBeUndefined();

    // The CLI's own export with the app token: the export and its job record the app as submitter.
    const file = path.join(dir, 'by-app.csv');
    const run = await runCli(['export', 'employees', '--format', 'csv', '--columns', 'email', '-o', file, '--json'], { ...env, PORTER_TOKEN: appToken });
    expect(run.code).toBe(0);
    const exported = JSON.parse(run.stdout).export;
    expect(exported).toMatchObject({ status: 'succeeded', requestedBy: 'nightly-report', submitterKind: 'app' });
    const job = await client(api.baseUrl, `Bearer ${appToken}`).job(exported.jobId);
    expect(job).toMatchObject({ submittedBy: 'nightly-report', submitterKind: 'app', submitterRoles: ['admin'] });
    // The same job seen by a user of the tenant still names the app as its submitter.
    expect(await client(api.baseUrl, `Bearer ${token}`).job(exported.jobId)).toMatchObject({ submitterKind: 'app' });

    const alias = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const { spawn } = require('child_process') as typeof import('child_process');
      const child = spawn('npm', ['run', '--silent', 'token', '--', '--app', 'sync-bot', '--tenant', 'acme'], { cwd: path.resolve(__dirname, '../../..') });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.on('close', (code: number | null) => resolve({ code, out }));
    });
    expect(alias.code).toBe(0);
    expect(decode(alias.out.trim())).toMatchObject({ sub: 'sync-bot', tenant: 'acme', kind: 'app', roles: [] });

    const both = await runCli(['token', '--app', 'x', '--user', 'y', '--tenant', 'acme'], {});
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('(--user <id> | --app <name>)');
  });
});

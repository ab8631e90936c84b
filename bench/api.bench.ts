/**
 * `npm run bench:api` — the API process under load, measured from outside with autocannon.
 *
 * Starts one API process (production mode, no worker, so the jobs it reads stay pending and every
 * read computes queue positions) on its own database, then:
 *   1. submit burst: BENCH_SUBMITTERS (200) connections POST /api/v1/exports, BENCH_SUBMISSIONS
 *      (2,000) requests in all, after BENCH_WARMUP (400) unmeasured ones over 50 connections
 *      (`--warmup N`); afterwards every 202 must have its export and job in Postgres (nothing
 *      lost) and nothing beyond them (nothing invented);
 *   1b. the same burst from 200 submitters whose connections are already open (an HTTP client's
 *      keep-alive pool; node:http, since autocannon opens its connections as the load starts);
 *   2. GET /api/v1/jobs/{id} of one job, 2b. of 100 jobs in turn (100 clients each polling its
 *      own), 3. GET /api/v1/jobs?limit=20 and 3b. 100 different pages of it in turn, each with
 *      100 connections for BENCH_DURATION seconds (20; `--duration N`); BENCH_API_READS=list,pages
 *      (say) runs only those of the four (job, jobs, list, pages).
 * Prints one table (requests, req/s, p50, p99, non-2xx) and the goals: p99 ≤ 300 ms for the
 * submit burst, p99 ≤ 50 ms for the reads. For the burst also the API's own view of it (its
 * `http_request_duration_seconds` histogram, from the request read to the answer sent): a busy
 * Node.js process accepts new connections one per turn of its event loop (libuv), so the first
 * requests of 200 fresh connections wait to be accepted, and only the client's latency shows it.
 * Then, for each scenario, the CPU time per request of the API process and of the database's
 * backends (Linux /proc): on a shared machine wall times move with the neighbours' load, CPU per
 * request much less (ADR 068). Rate limits are off unless BENCH_RATE_LIMITS=on (then every
 * request is counted in Redis, as in production). On a server running without autovacuum the job
 * table is vacuumed once after the submissions, as autovacuum would (said in the output).
 */
import autocannon from 'autocannon';
import { ChildProcess, spawn } from 'child_process';
import * as http from 'http';
import { closeSync, openSync, readFileSync, writeSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { createPgPool, loadConfig, runMigrations, signToken } from '@porter/platform';
import { porterMigrations } from '../apps/api/src/porter-migrations';
import { benchCount } from './bench-args';
import { percentile } from './percentile';

const ROOT = path.resolve(__dirname, '..', '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { porterArgs } = require(path.join(ROOT, 'tools', 'porter-process.js')) as { porterArgs(kind: 'api' | 'worker'): string[] };
const RATE_LIMITS = process.env.BENCH_RATE_LIMITS === 'on';
const DURATION = benchCount('duration', Number(process.env.BENCH_DURATION ?? 20));
const SUBMITTERS = benchCount('submitters', Number(process.env.BENCH_SUBMITTERS ?? 200));
const SUBMISSIONS = benchCount('submissions', Number(process.env.BENCH_SUBMISSIONS ?? 2000));
// Requests sent before the measured burst and not measured: a long-running API serves with
// optimised code, a process that just started interprets it (V8 compiles hot functions after some
// hundred calls). They count in "nothing lost" like the burst's.
const WARMUP = benchCount('warmup', Number(process.env.BENCH_WARMUP ?? 400));
/** The read scenarios to run (BENCH_API_READS, comma-separated; all by default): one job, 100 jobs, one page, 100 pages. */
const READ_SCENARIOS = ['job', 'jobs', 'list', 'pages'] as const;
const READS = new Set((process.env.BENCH_API_READS ?? READ_SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const read of READS) {
  if (!(READ_SCENARIOS as readonly string[]).includes(read)) {
    process.stderr.write(`bench: BENCH_API_READS has an unknown scenario "${read}" (known: ${READ_SCENARIOS.join(', ')})\n`);
    process.exit(2);
  }
}
const SERVER_URL = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = `porter_bench_api_${process.pid}`;
const PORT = Number(process.env.BENCH_PORT ?? 3992);
const TENANT = 'bench';

interface Row {
  scenario: string;
  connections: number;
  requests: number;
  perSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  goalMs: number;
  cpu: CpuPerRequest | null;
}

/** CPU time (user + system) per request of the API process and of the database's backends. */
interface CpuPerRequest {
  apiMicros: number;
  postgresMicros: number;
}

async function admin(sql: string): Promise<void> {
  const db = new Client({ connectionString: SERVER_URL });
  await db.connect();
  try {
    await db.query(sql);
  } finally {
    await db.end();
  }
}

function startApi(databaseUrl: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, porterArgs('api'), {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      QUEUE_PREFIX: `porter_bench_api_${process.pid}`,
      STORAGE_DIR: path.join(os.tmpdir(), `porter-bench-api-${process.pid}`),
      NODE_ENV: 'production',
      // The bench polls and loads from one address: by default its own figures, not the limiter's,
      // are measured; BENCH_RATE_LIMITS=on counts every request as production does, under limits
      // no run reaches.
      ...(RATE_LIMITS
        ? { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_ADDRESS: '10000000', RATE_LIMIT_PER_TENANT: '10000000' }
        : { RATE_LIMIT_ENABLED: 'false' }),
      AUTH_JWT_SECRET: 'porter-bench-secret-0123456789',
      // Production mode requires these (ADR 044, 045); the bench uses no link or webhook.
      DOWNLOAD_LINK_SECRET: 'porter-bench-download-link-secret-0123456789',
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      LOG_LEVEL: 'warn',
      PORT: String(PORT),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  // BENCH_API_LOG=<file>: the API's whole output is appended there too (--trace-gc, profiles).
  const log = process.env.BENCH_API_LOG ? openSync(process.env.BENCH_API_LOG, 'a') : null;
  if (log !== null) {
    child.stdout?.on('data', (c: Buffer) => writeSync(log, c));
    child.stderr?.on('data', (c: Buffer) => writeSync(log, c));
    child.once('exit', () => closeSync(log));
  }
  child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20000)));
  child.stderr?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20000)));
  return { child, output: () => out };
}

async function until(probe: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Runs one load; `seconds` is from its start to its last answer. autocannon notices the end of a
 * fixed amount of requests on its once-a-second tick, so its own duration overstates a short burst
 * by up to a second.
 */
function load(options: autocannon.Options): Promise<{ result: autocannon.Result; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let last = started;
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve({ result, seconds: (last - started) / 1000 })));
    instance.on('response', () => (last = performance.now()));
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

/**
 * CPU seconds a process has used (utime + stime from /proc, in clock ticks of 1/100 s as Linux
 * reports them to user space); null where /proc is not there. On a shared machine wall times move
 * with the neighbours' load, CPU time per request much less: the bench reports both.
 */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** Samples the CPU used so far by the API process and by every backend serving the bench's database. */
type CpuSample = { api: number | null; backends: Map<number, number> };

async function cpuSample(apiPid: number): Promise<CpuSample> {
  const db = new Client({ connectionString: SERVER_URL });
  await db.connect();
  const backends = new Map<number, number>();
  try {
    const { rows } = await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [DATABASE]);
    for (const { pid } of rows) {
      const used = cpuSeconds(pid);
      if (used !== null) backends.set(pid, used);
    }
  } finally {
    await db.end();
  }
  return { api: cpuSeconds(apiPid), backends };
}

/**
 * The API's own histogram of POST /api/v1/exports answers (`http_request_duration_seconds`, from
 * the request read to the answer sent): cumulative counts per bucket bound. The client's latency
 * also holds the time before the API accepted the connection.
 */
async function exportPostBuckets(base: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const buckets = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('http_request_duration_seconds_bucket{') || !line.includes('method="POST"') || !line.includes('route="/api/v1/exports"')) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le) buckets.set(le, (buckets.get(le) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return buckets;
}

/** "98.5 % within 250 ms, 100 % within 500 ms" for the answers counted between two readings. */
function serverSideShare(before: Map<string, number>, after: Map<string, number>): string {
  const delta = (le: string) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const total = delta('+Inf');
  if (!total) return 'not measured (no answers in the histogram)';
  return ['0.1', '0.25', '0.5', '1']
    .map((le) => `${((100 * delta(le)) / total).toFixed(1)} % within ${Number(le) * 1000} ms`)
    .join(', ');
}

/** Runs one load and measures the CPU it cost per request (a backend that ended meanwhile is not counted). */
async function measured(apiPid: number, options: autocannon.Options): Promise<{ result: autocannon.Result; seconds: number; cpu: CpuPerRequest | null }> {
  const before = await cpuSample(apiPid);
  const { result, seconds } = await load(options);
  return { result, seconds, cpu: cpuPerRequest(before, await cpuSample(apiPid), result.requests.total) };
}

/** CPU per request between two samples; null without /proc or without requests. */
function cpuPerRequest(before: CpuSample, after: CpuSample, requests: number): CpuPerRequest | null {
  if (before.api === null || after.api === null || requests === 0) return null;
  let postgres = 0;
  for (const [pid, used] of after.backends) postgres += used - (before.backends.get(pid) ?? 0);
  return { apiMicros: ((after.api - before.api) * 1e6) / requests, postgresMicros: (postgres * 1e6) / requests };
}

function row(scenario: string, connections: number, { result, seconds, cpu }: { result: autocannon.Result; seconds: number; cpu: CpuPerRequest | null }, goalMs: number): Row {
  return {
    scenario,
    connections,
    requests: result.requests.total,
    // Requests over the load's time to its last answer: autocannon's own average is over
    // whole-second samples, for a burst of two or three seconds a rounded-up count of seconds.
    perSecond: result.requests.total / Math.max(0.001, seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx + result.errors + result.timeouts,
    goalMs,
    cpu,
  };
}

/**
 * The same burst from submitters whose connections are already open, as an HTTP client with a
 * keep-alive pool has them: `submitters` connections are opened first (one health request each,
 * all at once, kept by the agent), then each submitter sends its share of `total` POSTs one after
 * the other. Latency is from sending a request to the end of its answer.
 */
async function preconnectedBurst(
  apiPid: number,
  base: string,
  headers: Record<string, string>,
  body: string,
  submitters: number,
  total: number,
): Promise<{ row: Row; accepted: number }> {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: submitters, maxFreeSockets: submitters });
  const send = (method: string, pathname: string, payload?: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ agent, host: url.hostname, port: url.port, method, path: pathname, headers: payload ? headers : {} }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  try {
    await Promise.all(Array.from({ length: submitters }, () => send('GET', '/api/health')));
    const open = Object.values(agent.freeSockets).reduce((n, sockets) => n + (sockets?.length ?? 0), 0);
    if (open < submitters) throw new Error(`only ${open} of ${submitters} connections stayed open before the burst`);
    const before = await cpuSample(apiPid);
    const latencies: number[] = [];
    let next = 0;
    let accepted = 0;
    let refused = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: submitters }, async () => {
        while (next < total) {
          next++;
          const sent = performance.now();
          const status = await send('POST', '/api/v1/exports', body).catch(() => 0);
          latencies.push(performance.now() - sent);
          if (status >= 200 && status < 300) accepted++;
          else refused++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const after = await cpuSample(apiPid);
    return {
      accepted,
      row: {
        scenario: 'POST /exports burst, connections already open',
        connections: submitters,
        requests: latencies.length,
        perSecond: latencies.length / seconds,
        p50: Math.round(percentile(latencies, 50)),
        p99: Math.round(percentile(latencies, 99)),
        non2xx: refused,
        goalMs: 300,
        cpu: cpuPerRequest(before, after, latencies.length),
      },
    };
  } finally {
    agent.destroy();
  }
}

async function main(): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
  const url = new URL(SERVER_URL);
  url.pathname = `/${DATABASE}`;
  const databaseUrl = url.toString();
  await runMigrations(databaseUrl, porterMigrations);
  const api = startApi(databaseUrl);
  const base = `http://127.0.0.1:${PORT}`;
  const token = signToken({ sub: 'bench-admin', tenant: TENANT, roles: ['admin'], scopes: [] }, loadConfig({ ...process.env, AUTH_JWT_SECRET: 'porter-bench-secret-0123456789' }).authJwtSecret, 3600);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const rows: Row[] = [];
  let lost = 'not checked';
  let vacuumed: string | null = null;
  let serverSide = 'not measured';
  try {
    await until(async () => (await fetch(`${base}/api/health/ready`)).status === 200, 'the API').catch((e) => {
      throw new Error(`${(e as Error).message}\n${api.output()}`);
    });
    process.stderr.write(
      `bench:api — ${WARMUP} unmeasured submissions (warm-up), ${SUBMISSIONS} over ${SUBMITTERS} connections, then ${DURATION} s of each read with 100 connections\n`,
    );

    const apiPid = api.child.pid!;
    const exportRequest = { url: `${base}/api/v1/exports`, method: 'POST' as const, headers, body: JSON.stringify({ type: 'employees', format: 'csv' }) };
    const warmup = WARMUP > 0 ? (await load({ ...exportRequest, connections: Math.min(50, WARMUP), amount: WARMUP })).result : null;
    const histogramBefore = await exportPostBuckets(base);
    const burst = await measured(apiPid, { ...exportRequest, connections: SUBMITTERS, amount: SUBMISSIONS });
    serverSide = serverSideShare(histogramBefore, await exportPostBuckets(base));
    rows.push(row('POST /exports burst', SUBMITTERS, burst, 300));
    const preconnected = await preconnectedBurst(apiPid, base, headers, exportRequest.body, SUBMITTERS, SUBMISSIONS);
    rows.push(preconnected.row);
    const accepted = burst.result['2xx'] + (warmup?.['2xx'] ?? 0) + preconnected.accepted;
    const pool = createPgPool(databaseUrl, 1);
    const { rows: counts } = await pool.query(
      `SELECT (SELECT count(*)::int FROM exports.export_request WHERE tenant = $1) AS exports, (SELECT count(*)::int FROM job_queue.job WHERE tenant = $1) AS jobs`,
      [TENANT],
    );
    // In production autovacuum visits the job table after such a burst (it sets the visibility map
    // the list's index-only scans need, ADR 087/092, and the planner's statistics). A server that
    // runs without it (`autovacuum = off`, as on some test machines) gets that VACUUM here, once.
    const autovacuum = (await pool.query<{ autovacuum: string }>('SHOW autovacuum')).rows[0].autovacuum;
    if (autovacuum !== 'on') {
      await pool.query('VACUUM ANALYZE job_queue.job');
      vacuumed = `autovacuum is ${autovacuum} on this server: VACUUM ANALYZE job_queue.job ran once after the submissions, as autovacuum would`;
    }
    await pool.end();
    lost = counts[0].exports === accepted && counts[0].jobs === accepted ? `none (${accepted} accepted, ${accepted} exports and jobs stored)` : `MISMATCH: ${accepted} accepted, ${counts[0].exports} exports, ${counts[0].jobs} jobs`;

    const page = (await (await fetch(`${base}/api/v1/jobs?limit=100`, { headers })).json()) as { items: Array<{ id: string }> };
    const jobId = page.items[0].id;
    if (READS.has('job')) rows.push(row(`GET /jobs/{id}`, 100, await measured(apiPid, { url: `${base}/api/v1/jobs/${jobId}`, headers, connections: 100, duration: DURATION }), 50));
    // 100 clients each polling a job of its own: the 100 newest, at the back of the queue, so
    // every read counts the ~all pending jobs ahead of it; no two reads of a batch are the same.
    let next = 0;
    const ids = page.items.map((item) => item.id);
    const rotating = { method: 'GET' as const, setupRequest: (req: autocannon.Request) => ({ ...req, path: `/api/v1/jobs/${ids[next++ % ids.length]}` }) };
    if (READS.has('jobs')) rows.push(row(`GET /jobs/{id}, ${ids.length} jobs`, 100, await measured(apiPid, { url: base, headers, connections: 100, duration: DURATION, requests: [rotating] }), 50));
    if (READS.has('list')) rows.push(row('GET /jobs?limit=20', 100, await measured(apiPid, { url: `${base}/api/v1/jobs?limit=20`, headers, connections: 100, duration: DURATION }), 50));
    // 100 clients each on a page of its own (offsets 0, 20, … 1,980): no two reads of a batch alike.
    let nextPage = 0;
    const paging = { method: 'GET' as const, setupRequest: (req: autocannon.Request) => ({ ...req, path: `/api/v1/jobs?limit=20&offset=${20 * (nextPage++ % 100)}` }) };
    if (READS.has('pages')) rows.push(row('GET /jobs?limit=20, 100 pages', 100, await measured(apiPid, { url: base, headers, connections: 100, duration: DURATION, requests: [paging] }), 50));
  } finally {
    api.child.kill('SIGTERM');
    await new Promise((r) => api.child.once('exit', r));
    await admin(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`);
  }
  const lines = [
    `cpus: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}; node ${process.version}; rate limits ${RATE_LIMITS ? 'on (BENCH_RATE_LIMITS=on)' : 'off'}`,
    '| scenario | connections | requests | req/s | p50 ms | p99 ms | non-2xx/errors | goal |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.scenario} | ${r.connections} | ${r.requests} | ${r.perSecond.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.non2xx} | p99 ≤ ${r.goalMs} ms: ${r.p99 <= r.goalMs && r.non2xx === 0 ? 'met' : 'MISSED'} |`,
    ),
    `submissions lost: ${lost}`,
    ...(vacuumed ? [vacuumed] : []),
    `POST /exports burst as the API measured it (request read → answer sent; the client's time also holds the wait for the API to accept its connection): ${serverSide}`,
    `load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    ...rows.map((r) =>
      r.cpu
        ? `CPU per request, ${r.scenario}: API ${r.cpu.apiMicros.toFixed(0)} µs, Postgres ${r.cpu.postgresMicros.toFixed(0)} µs`
        : `CPU per request, ${r.scenario}: not measured (no /proc)`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error) => {
  process.stderr.write(`bench:api failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

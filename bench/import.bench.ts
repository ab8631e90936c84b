/**
 * `npm run bench:import` — import throughput and memory against the COPY floor.
 *
 * Generates a BENCH_ROWS-row (default 1,000,000) employees CSV (the export's headers, ids
 * filled), starts real api and worker processes on their own database (porter_bench_import),
 * uploads the file through the REST API into a fresh tenant and measures the time from the
 * upload's first byte until the batch is `completed` (every row validated, upserted and its
 * result recorded), rows/s, and the worker's peak RSS (VmRSS sampled from /proc/<pid>/status,
 * VmHWM as a cross-check). The floor, in the same run: `psql -c "\copy ... from <file> csv
 * header"` of the same file into an equivalent table with its primary key.
 * Goals: within 3x of the floor, worker peak RSS < 200 MB.
 *
 * The api and the worker start exactly as operators start them (`porterArgs`, with the worker's
 * old-space cap, ADR 006). The two tables the import writes are vacuumed before measuring (the
 * previous run's deleted million rows; this server may run without autovacuum). The worker's
 * last log line gives where its time went (`worker timings`). Profiling hooks, off by default:
 * BENCH_WORKER_NODE_ARGS (extra node flags for the worker, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p")
 * and BENCH_WORKER_LOG (a file that receives the worker's stdout).
 *
 * `--storage s3` measures twice in the same run, on local storage and then on STORAGE_DRIVER=s3
 * against an S3 server the bench starts on 127.0.0.1 (s3rver, or moto_server with --s3-server moto): the upload is
 * streamed into the bucket and the worker reads it back from there. It prints the S3/local ratio.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { createWriteStream, openAsBlob, promises as fs, readFileSync, statSync } from 'fs';
import { once } from 'events';
import { randomUUID } from 'crypto';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { runMigrations, signToken } from '@porter/platform';
import { porterMigrations } from '../apps/api/src/porter-migrations';
import type { porterArgs as PorterArgs, porterEnv as PorterEnv } from '../tools/porter-process';
import { benchCount } from './bench-args';
import { benchStorage, startBenchS3 } from './bench-s3';

const ROOT = path.resolve(__dirname, '..', '..');
// tools/porter-process.js is plain JS that tsc does not copy into dist/: a static import would
// resolve to dist/tools/ at run time, so the built bench loads the repository's copy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { porterArgs, porterEnv } = require(path.join(ROOT, 'tools', 'porter-process.js')) as { porterArgs: typeof PorterArgs; porterEnv: typeof PorterEnv };
const ROWS = benchCount('rows', Number(process.env.BENCH_ROWS ?? 1_000_000));
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/porter_bench_import';
const PORT = Number(process.env.BENCH_PORT ?? 3991);
const SECRET = 'porter-bench-secret-0123456789';
const ENV: Record<string, string> = {
  DATABASE_URL,
  QUEUE_PREFIX: 'porter_bench_import',
  STORAGE_DIR: path.join(os.tmpdir(), 'porter-bench-import'),
  LOG_LEVEL: 'info',
  NODE_ENV: 'production',
  // The bench polls and loads from one address: its own figures, not the limiter's, are measured.
  RATE_LIMIT_ENABLED: 'false',
  AUTH_JWT_SECRET: SECRET,
  // Production mode requires these (ADR 044, 045); the bench uses no link or webhook.
  DOWNLOAD_LINK_SECRET: 'porter-bench-download-link-secret-0123456789',
  WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
  WORKER_CONCURRENCY: '1',
  UPLOAD_MAX_BYTES: String(2 * 1024 * 1024 * 1024),
  PORT: String(PORT),
  HOST: '127.0.0.1',
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spawnProcess(kind: 'api' | 'worker'): { child: ChildProcess; output: () => string } {
  // Started exactly as operators start them (the worker's old-space cap included, ADR 006).
  const extra = kind === 'worker' && process.env.BENCH_WORKER_NODE_ARGS ? process.env.BENCH_WORKER_NODE_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...extra, ...porterArgs(kind)], {
    cwd: ROOT,
    env: porterEnv(kind, { ...process.env, ...ENV }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20000)));
  if (kind === 'worker' && process.env.BENCH_WORKER_LOG) child.stdout?.pipe(createWriteStream(process.env.BENCH_WORKER_LOG));
  child.stderr?.on('data', (c: Buffer) => (out = (out + c.toString()).slice(-20000)));
  return { child, output: () => out };
}

async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 900_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => null);
    if (v) return v;
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function memoryKb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/** The same shape as an `employees` export, with some variety (quotes, commas, empty cells). */
async function writeCsv(file: string): Promise<void> {
  const out = createWriteStream(file);
  out.write('id,first_name,last_name,email,department,salary,hired_at,active,scope_id,notes\n');
  const departments = ['Sales', 'Engineering', 'Support', 'Finance', 'Legal'];
  let buf = '';
  for (let i = 1; i <= ROWS; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    const month = String((i % 12) + 1).padStart(2, '0');
    const notes = i % 10 === 0 ? '"note, with a comma and ""quotes"""' : i % 3 === 0 ? '' : `note ${i}`;
    buf += `${randomUUID()},First${i},Last${i},person${i}@example.com,${departments[i % 5]},${40000 + (i % 50000)}.${String(i % 100).padStart(2, '0')},20${String(10 + (i % 15))}-${month}-${day},${i % 7 ? 'true' : 'false'},scope-${i % 20},${notes}\n`;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

/**
 * Earlier runs leave a million dead rows behind in the two tables the import writes (the bench
 * deletes its rows), and this server may run without autovacuum: vacuumed and analysed before
 * measuring, so every run starts from the same clean tables, like the floor's fresh table.
 */
async function vacuum(): Promise<void> {
  const db = new Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    await db.query('VACUUM (ANALYZE) directory.employee, imports.import_result');
  } finally {
    await db.end();
  }
}

/** Seconds of the two COPY floors, each into a fresh table. */
interface Floors {
  /** The goal's floor: the employees table's columns with its keys, primary key and unique (tenant, email). */
  keyed: number;
  /** The same columns with a primary key only (the floor of earlier runs; printed for comparison). */
  primaryKeyOnly: number;
}

function copyFloor(file: string): Floors {
  const psql = (sql: string) => {
    const r = spawnSync('psql', [DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', sql], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  };
  const copy = (keys: string) => {
    psql('DROP TABLE IF EXISTS bench_import_floor');
    psql(`CREATE TABLE bench_import_floor (
      id uuid PRIMARY KEY, tenant text NOT NULL DEFAULT 'bench-floor', first_name text NOT NULL, last_name text NOT NULL,
      email text NOT NULL, department text, salary numeric(14, 2), hired_at date, active boolean, scope_id text, notes text${keys})`);
    const started = process.hrtime.bigint();
    psql(
      `\\copy bench_import_floor (id, first_name, last_name, email, department, salary, hired_at, active, scope_id, notes) FROM '${file}' WITH (FORMAT csv, HEADER true)`,
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    psql('DROP TABLE bench_import_floor');
    return seconds;
  };
  return { keyed: copy(', UNIQUE (tenant, email)'), primaryKeyOnly: copy('') };
}

async function main(): Promise<void> {
  console.log(`Porter import benchmark: ${ROWS.toLocaleString('en')} rows, CSV, worker concurrency 1 (${os.cpus().length} CPUs)`);
  await runMigrations(DATABASE_URL, porterMigrations);
  await vacuum();
  const file = path.join(os.tmpdir(), `porter-bench-import-${process.pid}.csv`);
  await writeCsv(file);
  const sizeMb = statSync(file).size / 1024 / 1024;
  console.log(`file: ${file} (${sizeMb.toFixed(1)} MB)`);
  const storage = benchStorage();
  try {
    const floor = copyFloor(file);
    const local = await measure(file, floor, 'local storage');
    if (storage === 's3') {
      const s3 = await startBenchS3();
      let remote: Timing;
      try {
        Object.assign(ENV, s3.env);
        remote = await measure(file, floor, `STORAGE_DRIVER=s3 (${s3.server} on 127.0.0.1)`);
      } finally {
        await s3.stop();
      }
      console.log('');
      console.log(`S3 / local, same run: ${remote.seconds.toFixed(2)} s / ${local.seconds.toFixed(2)} s = ${(remote.seconds / local.seconds).toFixed(2)}x` +
        ` (upload ${remote.uploaded.toFixed(2)} s / ${local.uploaded.toFixed(2)} s = ${(remote.uploaded / local.uploaded).toFixed(2)}x)`);
    }
  } finally {
    await fs.rm(file, { force: true });
    await fs.rm(ENV.STORAGE_DIR, { recursive: true, force: true });
  }
}

interface Timing {
  seconds: number;
  uploaded: number;
}

async function measure(file: string, floor: Floors, storageLabel: string): Promise<Timing> {
  console.log('');
  console.log(`storage: ${storageLabel}`);
  const api = spawnProcess('api');
  const worker = spawnProcess('worker');
  try {
    const base = `http://127.0.0.1:${PORT}`;
    await until(async () => (await fetch(`${base}/api/health/ready`)).status === 200, 'the API', 60_000);
    await until(async () => worker.output().includes('Porter worker started'), 'the worker', 60_000);
    const tenant = `bench-${Date.now()}`;
    const authorization = `Bearer ${signToken({ sub: 'bench', tenant, roles: ['admin'], scopes: [] }, SECRET)}`;
    const created = await fetch(`${base}/api/v1/imports`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'employees', sourceName: 'bench', expectedReferenceCount: ROWS }),
    });
    const record = (await created.json()) as { id: string };

    let peakRssKb = 0;
    const sampler = setInterval(() => {
      try {
        peakRssKb = Math.max(peakRssKb, memoryKb(worker.child.pid!).rss);
      } catch {
        /* the process ended */
      }
    }, 50);
    const started = process.hrtime.bigint();
    const form = new FormData();
    form.append('file', await openAsBlob(file), 'bench.csv');
    const up = await fetch(`${base}/api/v1/imports/${record.id}/batches`, { method: 'POST', headers: { authorization }, body: form });
    const batch = (await up.json()) as { id: string; status: string };
    if (up.status !== 202) throw new Error(`upload failed: ${up.status} ${JSON.stringify(batch)}`);
    const uploaded = Number(process.hrtime.bigint() - started) / 1e9;
    // Polled every 100 ms: each poll is an API request and a query, taken from the CPUs the import
    // runs on; 0.1 s of resolution is plenty for a measurement of tens of seconds.
    const done = await until(async () => {
      const res = await fetch(`${base}/api/v1/imports/${record.id}/batches/${batch.id}`, { headers: { authorization } });
      const b = (await res.json()) as { status: string; counts: { total: number; completed: number } };
      return ['completed', 'partially_failed', 'failed'].includes(b.status) ? b : null;
    }, 'the batch to finish', 900_000, 100);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    const hwmKb = memoryKb(worker.child.pid!).hwm;
    if (done.status !== 'completed' || done.counts.completed !== ROWS) throw new Error(`batch ended ${JSON.stringify(done)}`);

    const db = new Client({ connectionString: DATABASE_URL });
    await db.connect();
    const check = await db.query(
      `SELECT (SELECT count(*)::int FROM directory.employee WHERE tenant = $1) AS employees,
              (SELECT count(*)::int FROM imports.import_result WHERE import_batch_id = $2) AS results`,
      [tenant, batch.id],
    );
    // Leave the bench database small for the next run.
    await db.query('DELETE FROM directory.employee WHERE tenant = $1', [tenant]);
    await db.query('DELETE FROM imports.import_result WHERE import_batch_id = $1', [batch.id]);
    await db.end();
    await vacuum();

    const ratio = seconds / floor.keyed;
    const peakMb = Math.max(peakRssKb, 0) / 1024;
    console.log('');
    console.log(`import via API: ${seconds.toFixed(2)} s (upload ${uploaded.toFixed(2)} s), ${Math.round(ROWS / seconds).toLocaleString('en')} rows/s`);
    console.log(`  employees written: ${check.rows[0].employees.toLocaleString('en')}, results recorded: ${check.rows[0].results.toLocaleString('en')}`);
    console.log(`  worker peak RSS: ${peakMb.toFixed(0)} MB sampled (VmHWM ${(hwmKb / 1024).toFixed(0)} MB)`);
    console.log(
      `COPY floor (psql \\copy into the employees table's columns with its keys, primary key and unique (tenant, email)): ${floor.keyed.toFixed(2)} s, ${Math.round(ROWS / floor.keyed).toLocaleString('en')} rows/s`,
    );
    console.log(`ratio import / floor: ${ratio.toFixed(2)}x (goal <= 3x): ${ratio <= 3 ? 'MET' : 'NOT MET'}`);
    console.log(
      `  for comparison, COPY into the same columns with a primary key only (the floor of earlier runs): ${floor.primaryKeyOnly.toFixed(2)} s; import / that floor: ${(seconds / floor.primaryKeyOnly).toFixed(2)}x`,
    );
    console.log(`worker peak RSS goal < 200 MB: ${hwmKb / 1024 < 200 ? 'MET' : 'NOT MET'}`);
    // The job's last log line (its JSON is itself inside the log record's message, quotes escaped).
    const timings = /timings\\?":(\{[^}]*\})/.exec(worker.output())?.[1]?.replace(/\\"/g, '"');
    if (timings) console.log(`worker timings (ms; host, results and transaction run while the next chunk is parsed): ${timings}`);
    return { seconds, uploaded };
  } finally {
    await Promise.all([stop(api.child), stop(worker.child)]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

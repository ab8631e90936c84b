/**
 * The Postgres-backed peers `bench:queue` runs beside Porter and raw BullMQ, on the same Postgres
 * server (a throwaway database of their own), with the same job count, submitter count and
 * concurrency, each at its documented best settings:
 *
 * - graphile-worker 0.17.3 (the newest that runs on Node 20): jobs added in batches with
 *   `addJobs` (one statement per 1,000), a worker pool of `concurrency`, LISTEN/NOTIFY pickup with
 *   the default 2 s poll as a fallback only. It runs twice: with its defaults (what the runs
 *   before 2026-12-07 measured), and with the batching its performance page runs with, its
 *   documented best settings for throughput: a local queue (500 jobs in queue.bench.ts) fetched
 *   and locked at once, and completions and failures written in batches
 *   (`completeJobBatchDelay` and `failJobBatchDelay` 0).
 * - pg-boss 10.4.2 (11.x needs Node 22): jobs added with `insert` (one statement per 1,000); one
 *   worker fetching batches of BENCH_PGBOSS_BATCH (default 100) every 0.5 s, pg-boss's minimum
 *   polling interval (a worker waits out the interval after every fetch, full or not, and there is
 *   no push pickup, so the batch size is pg-boss's documented throughput lever), running each
 *   batch's handlers `concurrency` at a time like the others.
 *
 * Both measure exactly what the Porter and raw figures measure: submit (concurrent single adds
 * for the idle sample, batches for the load), complete, and submit→start latency.
 */
import { Client, Pool } from 'pg';
import { Logger, makeWorkerUtils, run as runGraphileWorker } from 'graphile-worker';
import PgBoss from 'pg-boss';
import { percentile } from './percentile';

export interface Figures {
  submittedPerSec: number;
  completedPerSec: number;
  p50: number;
  p99: number;
  idleP50: number;
  idleP99: number;
}

export interface PeerRun extends IdleRun {
  jobs: number;
  concurrency: number;
}

/** The idle sample's size, and the unmeasured jobs before it. */
export interface IdleRun {
  idleJobs: number;
  idleWarmup: number;
}

/** An idle sample: its latencies, and the very first job's after the system started. */
export interface IdleSample {
  sample: number[];
  first: number;
}

/**
 * The idle sample, the same for every system: `idleWarmup` unmeasured jobs, then `idleJobs`
 * measured ones, each submitted once the previous one finished. A process that has just started
 * pays on its first jobs for its connections, its prepared statements and V8 compiling its code,
 * which a long-running worker has behind it; the first job's latency is kept apart and printed, so
 * that the cold start stays visible. `submit(i)` sends job i; `latencies` is where handlers record.
 */
export async function idleSample(
  run: IdleRun,
  latencies: number[],
  completed: () => number,
  submit: (i: number) => Promise<void>,
  what: string,
): Promise<IdleSample> {
  latencies.length = 0;
  for (let i = 0; i < run.idleWarmup + run.idleJobs; i++) {
    const target = completed() + 1;
    await submit(i);
    await waitUntil(() => completed() >= target, 10_000, what);
  }
  const all = latencies.splice(0);
  return { first: all[0] ?? NaN, sample: all.slice(run.idleWarmup) };
}

/** "porter idle: first job after start 104 ms; slowest of the sample 13 ms (#57), …" (#0 is the sample's first job). */
export function describeIdle(system: string, { first, sample }: IdleSample): string {
  const slowest = sample
    .map((ms, i) => ({ ms, i }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map(({ ms, i }) => `${ms} ms (#${i})`)
    .join(', ');
  return `${system} idle: first job after start ${first} ms; slowest of the sample ${slowest}\n`;
}


export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const BATCH = 1000;

/** A fresh database for one peer on the server of `serverUrl`; dropped by the returned function. */
async function scratchDatabase(serverUrl: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const run = async (sql: string) => {
    const db = new Client({ connectionString: admin.toString() });
    await db.connect();
    try {
      await db.query(sql);
    } finally {
      await db.end();
    }
  };
  await run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await run(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** Idle sample, then the loaded run; `add` submits one batch of timestamps. */
async function measure(
  system: string,
  run: PeerRun,
  state: { completed: number; latencies: number[] },
  addOne: (t: number) => Promise<void>,
  addMany: (ts: number[]) => Promise<void>,
): Promise<Figures> {
  const idle = await idleSample(run, state.latencies, () => state.completed, () => addOne(Date.now()), `an idle ${system} job`);
  process.stdout.write(describeIdle(system, idle));
  state.latencies.length = 0;
  const base = state.completed;
  const start = Date.now();
  for (let sent = 0; sent < run.jobs; sent += BATCH) {
    const now = Date.now();
    await addMany(Array.from({ length: Math.min(BATCH, run.jobs - sent) }, () => now));
  }
  const submitted = Date.now();
  await waitUntil(() => state.completed - base >= run.jobs, 600_000, 'all peer jobs');
  const done = Date.now();
  return {
    submittedPerSec: run.jobs / ((submitted - start) / 1000),
    completedPerSec: run.jobs / ((done - start) / 1000),
    p50: percentile(state.latencies, 50),
    p99: percentile(state.latencies, 99),
    idleP50: percentile(idle.sample, 50),
    idleP99: percentile(idle.sample, 99),
  };
}

/** graphile-worker on its own scratch database; `localQueue` > 0 turns on its batching (local queue and batched completions). */
export async function benchGraphileWorker(serverUrl: string, runId: string, run: PeerRun, localQueue = 0): Promise<Figures> {
  const db = await scratchDatabase(serverUrl, `porter_bench_graphile${localQueue > 0 ? '_batched' : ''}_${runId}`);
  const state = { completed: 0, latencies: [] as number[] };
  // Its per-job info lines would drown the bench's own output.
  const logger = new Logger(() => () => undefined);
  // One pool of ours for graphile-worker, ended before the database is dropped: a pool it made
  // itself could still hold idle connections that the DROP ... WITH (FORCE) terminates, and an
  // idle client's error would end the bench.
  const pgPool = new Pool({ connectionString: db.url, max: run.concurrency + 4 });
  pgPool.on('error', () => undefined);
  const utils = await makeWorkerUtils({ pgPool, logger });
  await utils.migrate();
  const runner = await runGraphileWorker({
    pgPool,
    concurrency: run.concurrency,
    noHandleSignals: true,
    logger,
    preset: { worker: localQueue > 0 ? { localQueue: { size: localQueue }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } : {} },
    taskList: {
      noop: async (payload) => {
        state.latencies.push(Date.now() - (payload as { t: number }).t);
        state.completed++;
      },
    },
  });
  try {
    return await measure(
      localQueue > 0 ? `graphile-worker, local queue ${localQueue}` : 'graphile-worker',
      run,
      state,
      async (t) => void (await utils.addJob('noop', { t })),
      async (ts) => void (await utils.addJobs(ts.map((t) => ({ identifier: 'noop', payload: { t } })))),
    );
  } finally {
    await runner.stop();
    await utils.release();
    await pgPool.end();
    await db.drop();
  }
}

export async function benchPgBoss(serverUrl: string, runId: string, run: PeerRun): Promise<Figures> {
  const db = await scratchDatabase(serverUrl, `porter_bench_pgboss_${runId}`);
  const state = { completed: 0, latencies: [] as number[] };
  const boss = new PgBoss({ connectionString: db.url, max: run.concurrency + 2, supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('noop');
  const batchSize = Number(process.env.BENCH_PGBOSS_BATCH ?? 100);
  await boss.work<{ t: number }>('noop', { batchSize, pollingIntervalSeconds: 0.5 }, async (jobs) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: run.concurrency }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++];
          state.latencies.push(Date.now() - job.data.t);
          state.completed++;
          await Promise.resolve();
        }
      }),
    );
  });
  try {
    return await measure(
      'pg-boss',
      run,
      state,
      async (t) => void (await boss.send('noop', { t })),
      async (ts) => boss.insert(ts.map((t) => ({ name: 'noop', data: { t } }))),
    );
  } finally {
    await boss.stop({ graceful: false, wait: true });
    await db.drop();
  }
}

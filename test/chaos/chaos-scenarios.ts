import { createHash, randomUUID } from 'crypto';
import { Pool } from 'pg';
import { seedEmployees } from '@porter/directory';
import { bearer } from '../support/int-app';
import { PorterProcess, startApi, startWorker } from '../support/processes';
import { proxyFor } from '../support/tcp-proxy';
import { waitFor } from '../support/wait-for';
import { employeeCount, employeesCsv, importsClient, withDb } from '../e2e/imports/import-support';
import { exportsClient, ExportsClient, waitForExport } from '../e2e/exports/export-support';

/**
 * The chaos scenarios of `npm run chaos` (full size) and of the e2e suite (small size): each
 * breaks a real part — a worker process, Redis, Postgres — while real API and worker processes
 * carry real work, then checks that nothing was lost or duplicated, and records what it saw.
 */
export type ChaosSize = 'small' | 'full';

export interface ChaosFinding {
  scenario: string;
  size: string;
  checked: string;
  found: string;
  ok: boolean;
  seconds: number;
}

/** Short leases and polling, so recoveries happen within a test's patience. */
export const CHAOS_ENV = {
  JOB_LOCK_DURATION_MS: '2000',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_BACKOFF_MS: '200',
  SHUTDOWN_GRACE_MS: '5000',
  LOG_LEVEL: 'info',
};

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function csvRows(bytes: Buffer): number {
  // Employee exports put a newline only at record ends or inside quoted notes; count record ends.
  const text = bytes.toString('utf8');
  let rows = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === 10 && !quoted) rows++;
  }
  return rows;
}

async function stopAll(...processes: Array<PorterProcess | undefined>): Promise<void> {
  await Promise.all(processes.map((p) => p?.stop()));
}

/** SIGKILL of the worker at several points of one import: every row exactly once. */
export async function workerKillDuringImport(size: ChaosSize): Promise<ChaosFinding> {
  // Several chunks (the employees type commits 5,000 rows a chunk) so the kills land between commits.
  const rows = size === 'full' ? 100_000 : 30_000;
  const started = Date.now();
  const api = await startApi(CHAOS_ENV);
  const workers: PorterProcess[] = [];
  try {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('chaos', tenant, { scopes: ['north'] }));
    const recordId = await c.createRecord();
    const up = await c.upload(recordId, employeesCsv(rows), 'chaos.csv');
    if (up.status !== 202) throw new Error(`upload: ${up.status} ${up.text}`);
    const batchId = up.json.id as string;
    const recoveries: number[] = [];
    for (const fraction of [0.25, 0.6]) {
      const worker = await startWorker(CHAOS_ENV);
      workers.push(worker);
      const at = await waitFor(
        async () => {
          const b = await c.batch(recordId, batchId);
          return b.lastCommittedRow >= rows * fraction ? (b.lastCommittedRow as number) : null;
        },
        { timeoutMs: 180_000, intervalMs: 10, what: `the import to pass ${fraction * 100}%` },
      );
      worker.child.kill('SIGKILL');
      await worker.stop();
      const killedAt = Date.now();
      const next = await startWorker(CHAOS_ENV);
      workers.push(next);
      await waitFor(async () => {
        const b = await c.batch(recordId, batchId);
        return b.lastCommittedRow > at || ['completed', 'partially_failed', 'failed'].includes(b.status) ? true : null;
      }, {
        timeoutMs: 180_000,
        intervalMs: 50,
        what: 'the import to move again after the kill',
      });
      recoveries.push((Date.now() - killedAt) / 1000);
      await next.stop();
    }
    const last = await startWorker(CHAOS_ENV);
    workers.push(last);
    const batch = await c.waitForBatch(recordId, batchId, 300_000);
    const employees = await employeeCount(tenant);
    const results = await withDb(async (db) =>
      (await db.query(`SELECT count(*)::int AS n, count(DISTINCT row_number)::int AS d FROM imports.import_result WHERE import_batch_id = $1`, [batchId])).rows[0],
    );
    const ok = batch.status === 'completed' && employees === rows && results.n === rows && results.d === rows;
    return {
      scenario: 'worker SIGKILL during an import (2 kills)',
      size: `${rows} rows`,
      checked: 'batch completed; target rows, results and distinct row numbers all equal the file',
      found: `${batch.status}; ${employees} employees, ${results.n} results (${results.d} distinct); resumed ${recoveries.map((s) => `${s.toFixed(1)} s`).join(', ')} after each kill`,
      ok,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await stopAll(api.process, ...workers);
  }
}

async function seededTenant(rows: number): Promise<string> {
  const tenant = `t-${randomUUID()}`;
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  try {
    await seedEmployees(pool, { tenant, count: rows, seed: 17 });
  } finally {
    await pool.end();
  }
  return tenant;
}

async function exportBytes(client: ExportsClient, timeoutMs = 300_000): Promise<{ id: string; bytes: Buffer; info: any }> {
  const requested = await client.request({ type: 'employees', format: 'csv' });
  if (requested.status !== 202) throw new Error(`export request: ${requested.status} ${requested.text}`);
  const info = await waitForExport(client, requested.json.id, ['succeeded'], timeoutMs);
  const file = await client.download(info.id);
  return { id: info.id, bytes: file.bytes, info };
}

/** SIGKILL of the worker at several points of one export: the file equals an undisturbed run's. */
export async function workerKillDuringExport(size: ChaosSize): Promise<ChaosFinding> {
  const rows = size === 'full' ? 200_000 : 20_000;
  const started = Date.now();
  const tenant = await seededTenant(rows);
  const api = await startApi(CHAOS_ENV);
  const workers: PorterProcess[] = [];
  // Throttled so that kills land mid-file; the reference run is not throttled.
  const slow = { ...CHAOS_ENV, EXPORT_BATCH_SIZE: '1000', EXPORT_MAX_ROWS_PER_SECOND: String(Math.max(5_000, rows / 4)) };
  try {
    const admin = exportsClient(api.baseUrl, bearer('chaos', tenant, { admin: true }));
    const reference = await startWorker(CHAOS_ENV);
    workers.push(reference);
    const undisturbed = await exportBytes(admin);
    await reference.stop();

    const requested = await admin.request({ type: 'employees', format: 'csv' });
    const job = async () => (await admin.call('GET', `/api/v1/jobs/${requested.json.jobId}`)).json;
    for (const fraction of [0.3, 0.7]) {
      const worker = await startWorker(slow);
      workers.push(worker);
      await waitFor(async () => ((await job()).progress.processed >= rows * fraction ? true : null), {
        timeoutMs: 180_000,
        intervalMs: 20,
        what: `the export to pass ${fraction * 100}%`,
      });
      worker.child.kill('SIGKILL');
      await worker.stop();
    }
    const finisher = await startWorker(CHAOS_ENV);
    workers.push(finisher);
    const info = await waitForExport(admin, requested.json.id, ['succeeded'], 300_000);
    const file = await admin.download(info.id);
    const same = sha256(file.bytes) === sha256(undisturbed.bytes);
    const lines = csvRows(file.bytes);
    return {
      scenario: 'worker SIGKILL during an export (2 kills)',
      size: `${rows} rows`,
      checked: 'export succeeded; file byte-identical to an undisturbed export; header + one line per row',
      found: `${info.status} after ${(await job()).stalls} stall(s), attempt ${(await job()).attempts}; ${lines - 1} rows; ${same ? 'byte-identical' : 'DIFFERENT bytes'}`,
      ok: info.status === 'succeeded' && same && lines === rows + 1,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await stopAll(api.process, ...workers);
  }
}

/** Redis goes away while users submit: every accepted submission runs once Redis is back. */
export async function redisOutageWithSubmissions(size: ChaosSize): Promise<ChaosFinding> {
  const submissions = size === 'full' ? 30 : 8;
  const outageMs = size === 'full' ? 20_000 : 3_000;
  const started = Date.now();
  const { proxy, url } = await proxyFor(process.env.REDIS_URL!, 6379);
  const env = { ...CHAOS_ENV, REDIS_URL: url };
  const tenant = await seededTenant(50);
  const api = await startApi(env);
  const worker = await startWorker(env);
  try {
    const admin = exportsClient(api.baseUrl, bearer('chaos', tenant, { admin: true }));
    await proxy.cut();
    const statuses: number[] = [];
    const accepted: string[] = [];
    for (let i = 0; i < submissions; i++) {
      const res = await admin.request({ type: 'employees', format: i % 2 ? 'jsonl' : 'csv' });
      statuses.push(res.status);
      if (res.status === 202) accepted.push(res.json.id);
    }
    await new Promise((r) => setTimeout(r, outageMs));
    await proxy.restore();
    const back = Date.now();
    const done = await Promise.all(accepted.map((id) => waitForExport(admin, id, ['succeeded'], 120_000)));
    const counts = [...new Set(statuses)].map((s) => `${statuses.filter((x) => x === s).length}×${s}`).join(', ');
    return {
      scenario: `Redis unreachable for ${outageMs / 1000} s while exports are submitted`,
      size: `${submissions} submissions`,
      checked: 'every accepted submission succeeds after Redis is back; none answered 5xx without a record',
      found: `answers during the outage: ${counts}; all ${done.length} accepted ran, the last ${((Date.now() - back) / 1000).toFixed(1)} s after Redis came back`,
      ok: done.length === accepted.length && accepted.length === submissions,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await stopAll(api.process, worker);
    await proxy.close();
  }
}

/** Postgres goes away mid-export: the API answers without inventing anything, the export still completes. */
export async function postgresOutageMidExport(size: ChaosSize): Promise<ChaosFinding> {
  const rows = size === 'full' ? 200_000 : 20_000;
  const outageMs = size === 'full' ? 16_000 : 3_000;
  const started = Date.now();
  const tenant = await seededTenant(rows);
  const { proxy, url } = await proxyFor(process.env.DATABASE_URL!, 5432);
  const env = { ...CHAOS_ENV, DATABASE_URL: url };
  const api = await startApi(env);
  const worker = await startWorker({ ...env, EXPORT_BATCH_SIZE: '1000', EXPORT_MAX_ROWS_PER_SECOND: String(rows / 4) });
  try {
    const admin = exportsClient(api.baseUrl, bearer('chaos', tenant, { admin: true }));
    const requested = await admin.request({ type: 'employees', format: 'csv' });
    await waitFor(async () => ((await admin.call('GET', `/api/v1/jobs/${requested.json.jobId}`)).json.progress.processed > 0 ? true : null), {
      what: 'the export to start',
    });
    await proxy.cut();
    const during = [
      (await admin.call('GET', `/api/v1/jobs/${requested.json.jobId}`)).status,
      (await admin.request({ type: 'employees', format: 'csv', name: 'during the outage' })).status,
    ];
    await new Promise((r) => setTimeout(r, outageMs));
    await proxy.restore();
    const info = await waitForExport(admin, requested.json.id, ['succeeded'], 300_000);
    const file = await admin.download(info.id);
    const invented = await withDb(async (c) =>
      (await c.query(`SELECT count(*)::int AS n FROM exports.export_request WHERE tenant = $1 AND name = 'during the outage'`, [tenant])).rows[0].n,
    );
    const lines = csvRows(file.bytes);
    const acceptedDuring = during[1] === 202 ? 1 : 0;
    return {
      scenario: `Postgres unreachable for ${outageMs / 1000} s mid-export`,
      size: `${rows} rows`,
      checked: 'requests needing the database answer 503 (retry later), not 500; the export completes with every row; a refused request left no record',
      found: `GET /jobs/{id} → ${during[0]}, POST /exports → ${during[1]} during the outage; export ${info.status} with ${lines - 1} rows; ${invented} record(s) from the refused request`,
      ok: during.every((s) => s === 503) && info.status === 'succeeded' && lines === rows + 1 && invented === acceptedDuring,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await stopAll(api.process, worker);
    await proxy.close();
  }
}

/** SIGTERM of a busy worker: it exits within the grace period and the job finishes elsewhere. */
export async function sigtermDrain(size: ChaosSize): Promise<ChaosFinding> {
  const rows = size === 'full' ? 200_000 : 20_000;
  const started = Date.now();
  const tenant = await seededTenant(rows);
  const api = await startApi(CHAOS_ENV);
  const draining = await startWorker({ ...CHAOS_ENV, EXPORT_BATCH_SIZE: '1000', EXPORT_MAX_ROWS_PER_SECOND: String(rows / 4) });
  let other: PorterProcess | undefined;
  try {
    const admin = exportsClient(api.baseUrl, bearer('chaos', tenant, { admin: true }));
    const requested = await admin.request({ type: 'employees', format: 'csv' });
    await waitFor(async () => ((await admin.call('GET', `/api/v1/jobs/${requested.json.jobId}`)).json.progress.processed > rows / 10 ? true : null), {
      what: 'the export to be under way',
    });
    const signalled = Date.now();
    const code = await draining.stop('SIGTERM', 30_000);
    const exitSeconds = (Date.now() - signalled) / 1000;
    other = await startWorker(CHAOS_ENV);
    const info = await waitForExport(admin, requested.json.id, ['succeeded'], 300_000);
    const lines = csvRows((await admin.download(info.id)).bytes);
    const grace = Number(CHAOS_ENV.SHUTDOWN_GRACE_MS) / 1000;
    return {
      scenario: 'SIGTERM of a worker running an export',
      size: `${rows} rows`,
      checked: `the worker exits 0 within SHUTDOWN_GRACE_MS (${grace} s); another worker finishes the export with every row`,
      found: `exit ${code} after ${exitSeconds.toFixed(1)} s; export ${info.status} with ${lines - 1} rows`,
      ok: code === 0 && exitSeconds <= grace + 1 && info.status === 'succeeded' && lines === rows + 1,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await stopAll(api.process, draining, other);
  }
}

export const CHAOS_SCENARIOS: Array<(size: ChaosSize) => Promise<ChaosFinding>> = [
  workerKillDuringImport,
  workerKillDuringExport,
  redisOutageWithSubmissions,
  postgresOutageMidExport,
  sigtermDrain,
];

export function chaosTable(findings: ChaosFinding[]): string {
  return [
    '| scenario | size | checked | found | result | time |',
    '|---|---|---|---|---|---|',
    ...findings.map((f) => `| ${f.scenario} | ${f.size} | ${f.checked} | ${f.found} | ${f.ok ? 'ok' : 'FAILED'} | ${f.seconds.toFixed(0)} s |`),
  ].join('\n');
}

import { openAsBlob } from 'fs';
import { Client } from 'pg';
import { startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';

/** Env of the processes in the imports e2e tests: short leases so a killed worker's job is recovered fast. */
export const IMPORT_ENV = {
  JOB_LOCK_DURATION_MS: '2000',
  JOB_POLLING_INTERVAL_MS: '200',
  SHUTDOWN_GRACE_MS: '5000',
  // 'info': startWorker waits for the worker's start line, which is logged at info.
  LOG_LEVEL: 'info',
};

/**
 * An api and a worker started with IMPORT_ENV for the calling describe block and stopped after
 * it; `baseUrl` is the api's (read it inside tests, once beforeAll has run).
 */
export function importProcesses(): { readonly baseUrl: string } {
  let api: Awaited<ReturnType<typeof startApi>> | undefined;
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
  beforeAll(async () => {
    [api, worker] = await Promise.all([startApi(IMPORT_ENV), startWorker(IMPORT_ENV)]);
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
  });
  return {
    get baseUrl() {
      if (!api) throw new Error('importProcesses(): the api is not started yet (use it inside a test)');
      return api.baseUrl;
    },
  };
}

export const EMPLOYEE_HEADER = 'id,first_name,last_name,email,department,salary,hired_at,active,scope_id,notes';

export interface Reply {
  status: number;
  json: any;
  text: string;
  headers: Headers;
}

export function importsClient(baseUrl: string, authorization: string) {
  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
  const uploadBlob = async (recordId: string, blob: Blob, fileName: string, query = ''): Promise<Reply> => {
    const form = new FormData();
    form.append('file', blob, fileName);
    const res = await fetch(`${baseUrl}/api/v1/imports/${recordId}/batches${query}`, { method: 'POST', headers: { authorization }, body: form });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, json, text, headers: res.headers };
  };
  const client = {
    call,
    async createRecord(options: Record<string, unknown> = {}, type = 'employees'): Promise<string> {
      const res = await call('POST', '/api/v1/imports', { type, sourceName: 'e2e', expectedReferenceCount: -1, options });
      if (res.status !== 201) throw new Error(`create record: ${res.status} ${res.text}`);
      return res.json.id as string;
    },
    upload: (recordId: string, content: string | Buffer, fileName = 'employees.csv', query = '') =>
      uploadBlob(recordId, new Blob([typeof content === 'string' ? Buffer.from(content, 'utf8') : content]), fileName, query),
    uploadFile: async (recordId: string, path: string, fileName: string, query = '') => uploadBlob(recordId, await openAsBlob(path), fileName, query),
    batch: async (recordId: string, batchId: string) => (await call('GET', `/api/v1/imports/${recordId}/batches/${batchId}`)).json,
    async waitForBatch(recordId: string, batchId: string, timeoutMs = 60_000): Promise<any> {
      return waitFor(
        async () => {
          const b = await client.batch(recordId, batchId);
          return ['completed', 'partially_failed', 'failed'].includes(b?.status) ? b : null;
        },
        { timeoutMs, intervalMs: 100, what: `batch ${batchId} to finish` },
      );
    },
    async results(recordId: string, batchId: string, query = ''): Promise<any> {
      return (await call('GET', `/api/v1/imports/${recordId}/batches/${batchId}/results${query}`)).json;
    },
    /** Creates a record and uploads `content` as a batch whose job is scheduled an hour ahead (202 checked). */
    async uploadScheduled(content: string | Buffer, fileName = 'later.csv'): Promise<{ recordId: string; at: string; up: Reply }> {
      const recordId = await client.createRecord();
      const at = new Date(Date.now() + 3_600_000).toISOString();
      const up = await client.upload(recordId, content, fileName, `?scheduledFor=${encodeURIComponent(at)}`);
      if (up.status !== 202) throw new Error(`scheduled upload: ${up.status} ${up.text}`);
      return { recordId, at, up };
    },
    /** Creates a record, uploads, waits: the finished batch. */
    async importFile(content: string | Buffer, fileName = 'employees.csv', options: Record<string, unknown> = {}): Promise<{ recordId: string; batch: any }> {
      const recordId = await client.createRecord(options);
      const up = await client.upload(recordId, content, fileName);
      if (up.status !== 202) throw new Error(`upload: ${up.status} ${up.text}`);
      return { recordId, batch: await client.waitForBatch(recordId, up.json.id) };
    },
  };
  return client;
}

export async function withDb<T>(work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

export async function employeeCount(tenant: string): Promise<number> {
  return withDb(async (db) => (await db.query('SELECT count(*)::int AS n FROM directory.employee WHERE tenant = $1', [tenant])).rows[0].n);
}

export function employeeRow(i: number, extra: Partial<Record<string, string>> = {}): string {
  const v = {
    id: '',
    first_name: `First${i}`,
    last_name: `Last${i}`,
    email: `person${i}@example.com`,
    department: i % 2 ? 'Sales' : 'Engineering',
    salary: `${50000 + i}.50`,
    hired_at: '2020-01-15',
    active: i % 3 ? 'true' : 'false',
    scope_id: 'north',
    notes: '',
    ...extra,
  };
  return [v.id, v.first_name, v.last_name, v.email, v.department, v.salary, v.hired_at, v.active, v.scope_id, v.notes].join(',');
}

export function employeesCsv(count: number, start = 1): string {
  const lines = [EMPLOYEE_HEADER];
  for (let i = start; i < start + count; i++) lines.push(employeeRow(i));
  return `${lines.join('\n')}\n`;
}

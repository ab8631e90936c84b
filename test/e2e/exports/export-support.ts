import { randomBytes } from 'crypto';
import { Pool } from 'pg';
import { StopWaiting, waitFor } from '../../support/wait-for';

/** Env of the exports e2e processes: short leases (a killed worker's job is recovered fast), info logs (startWorker waits for the start line). */
export const EXPORT_ENV = {
  JOB_LOCK_DURATION_MS: '2000',
  JOB_POLLING_INTERVAL_MS: '200',
  JOB_BACKOFF_MS: '200',
  SHUTDOWN_GRACE_MS: '5000',
  LOG_LEVEL: 'info',
};

export interface Reply {
  status: number;
  json: any;
  text: string;
  headers: Headers;
  bytes: Buffer;
}

/** An answer read whole: its bytes, as text, and as JSON when it is JSON (null otherwise). */
export async function replyOf(res: Response): Promise<Reply> {
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, json, text, headers: res.headers, bytes };
}

export function exportsClient(baseUrl: string, authorization: string) {
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return replyOf(res);
  };
  return {
    call,
    request: (body: Record<string, unknown>, headers: Record<string, string> = {}) => call('POST', '/api/v1/exports', body, headers),
    get: (id: string) => call('GET', `/api/v1/exports/${id}`),
    list: (query = '') => call('GET', `/api/v1/exports${query}`),
    download: (id: string) => call('GET', `/api/v1/exports/${id}/download`),
    remove: (id: string) => call('DELETE', `/api/v1/exports/${id}`),
  };
}

export type ExportsClient = ReturnType<typeof exportsClient>;

/** Waits until the export reaches one of the statuses (fails fast on an unexpected terminal one). */
export async function waitForExport(api: ExportsClient, id: string, statuses: string[] = ['succeeded'], timeoutMs = 60_000): Promise<any> {
  return waitFor(
    async () => {
      const res = await api.get(id);
      if (res.status !== 200) throw new Error(`GET export ${id}: ${res.status} ${res.text}`);
      if (statuses.includes(res.json.status)) return res.json;
      if (['succeeded', 'failed', 'cancelled'].includes(res.json.status)) {
        throw new StopWaiting(`export ${id} ended ${res.json.status} (${res.json.errorMessage}), expected ${statuses.join('|')}`);
      }
      return null;
    },
    { timeoutMs, intervalMs: 100, what: `export ${id} to be ${statuses.join('|')}` },
  );
}

export interface EmployeeFixture {
  id: string;
  first_name: string;
  last_name: string;
  email: string;
  department: string | null;
  salary: string | null;
  hired_at: string | null;
  active: boolean;
  scope_id: string | null;
  notes: string | null;
}

/**
 * Inserts the rows for a tenant. Employee ids are global primary keys, so each call gives the rows
 * fresh ids that keep their relative order (same random prefix, ordered suffix); returns the rows
 * as stored.
 */
export async function insertEmployees(pool: Pool, tenant: string, fixtures: EmployeeFixture[]): Promise<EmployeeFixture[]> {
  const prefix = randomBytes(4).toString('hex');
  const rows = fixtures.map((f) => ({ ...f, id: `${prefix}${f.id.slice(8)}` }));
  for (const r of rows) {
    await pool.query(
      `INSERT INTO directory.employee (id, tenant, first_name, last_name, email, department, salary, hired_at, active, scope_id, notes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [r.id, tenant, r.first_name, r.last_name, r.email, r.department, r.salary, r.hired_at, r.active, r.scope_id, r.notes],
    );
  }
  return rows;
}

export const HEADERS = ['id', 'first_name', 'last_name', 'email', 'department', 'salary', 'hired_at', 'active', 'scope_id', 'notes'];

/**
 * Rows that exercise every writer: unicode, quotes, commas, CR/LF, tabs, empty strings and nulls,
 * the largest numeric(14,2), negative and zero amounts, leap and edge dates, and formula payloads.
 * Ids are ordered so the export (ORDER BY id) lists them in this order.
 */
export const TRICKY_EMPLOYEES: EmployeeFixture[] = [
  {
    id: '00000000-0000-4000-8000-000000000001',
    first_name: 'Zoë',
    last_name: 'Ødegård-日本',
    email: 'zoe@example.com',
    department: 'Sales, EMEA',
    salary: '999999999999.99',
    hired_at: '2024-02-29',
    active: true,
    scope_id: 's1',
    notes: 'She said "hello, world"\r\nand left 🎉',
  },
  {
    id: '00000000-0000-4000-8000-000000000002',
    first_name: 'Renée',
    last_name: "O'Brien",
    email: 'renee@example.com',
    department: '',
    salary: null,
    hired_at: null,
    active: false,
    scope_id: null,
    notes: null,
  },
  {
    id: '00000000-0000-4000-8000-000000000003',
    first_name: '=HYPERLINK("http://evil.test","x")',
    last_name: '+SUM(1,2)',
    email: 'formula@example.com',
    department: '-2+3',
    salary: '-1234.50',
    hired_at: '1900-03-01',
    active: true,
    scope_id: 's2',
    notes: '@cmd|calc',
  },
  {
    id: '00000000-0000-4000-8000-000000000004',
    first_name: '\tTabbed',
    last_name: '\rReturned',
    email: 'ws@example.com',
    department: '\nNewline',
    salary: '0.00',
    hired_at: '2099-12-31',
    active: true,
    scope_id: 's1',
    notes: '  padded  ',
  },
];

/** What each tricky row must read back as text (CSV/JSONL strings), after formula neutralising. */
export function expectedText(e: EmployeeFixture): Record<string, string | null> {
  const n = (v: string | null) => (v !== null && /^[=+\-@\t\r\n]/.test(v) ? `'${v}` : v);
  return {
    id: e.id,
    first_name: n(e.first_name),
    last_name: n(e.last_name),
    email: e.email,
    department: n(e.department),
    salary: e.salary,
    hired_at: e.hired_at,
    active: e.active ? 'true' : 'false',
    scope_id: e.scope_id,
    notes: n(e.notes),
  };
}

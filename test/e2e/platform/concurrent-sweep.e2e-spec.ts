import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker, WorkerProcess } from '../../support/processes';
import { waitFor } from '../../support/wait-for';

/**
 * The same change sent eight times at once, for every action on a resource: what the database
 * settles (unique keys, guarded state changes, idempotency) must reach the caller as a 2xx or a
 * 4xx problem, never a 500 from a constraint or a lost race, and the result must be what one
 * request would leave (one export per idempotency key, one attachment per name, one run-now run
 * at a time).
 */
const AT_ONCE = 8;

describe('API process: eight identical requests at once answer 2xx or 4xx, and leave one result', () => {
  let api: PorterProcess;
  let worker: WorkerProcess;
  let baseUrl: string;
  const admin = bearer('racer', 'tenant-race', { admin: true, operator: true });
  const failures: string[] = [];

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', json: (() => { try { return JSON.parse(text); } catch { return null; } })(), text };
  };
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.json;
  };
  /** Sends the request AT_ONCE times together; records any 5xx or non-problem refusal; returns the statuses. */
  const race = async (label: string, send: () => Promise<{ status: number; type: string; text: string }>): Promise<number[]> => {
    const answers = await Promise.all(Array.from({ length: AT_ONCE }, send));
    for (const a of answers) {
      if (a.status >= 500 || (a.status >= 400 && !a.type.startsWith('application/problem+json'))) failures.push(`${label}: ${a.status} ${a.text.slice(0, 200)}`);
    }
    return answers.map((a) => a.status);
  };
  const exportDone = (id: string) => waitFor(async () => ['succeeded', 'failed'].includes((await ok('GET', `/api/v1/exports/${id}`)).status), { timeoutMs: 60_000, what: `export ${id}` });

  beforeAll(async () => {
    const env = { JOB_POLLING_INTERVAL_MS: '200', RATE_LIMIT_ENABLED: 'false' };
    [{ process: api, baseUrl }, worker] = await Promise.all([startApi(env), startWorker(env)]);
  });

  afterAll(async () => {
    await Promise.all([api?.stop('SIGTERM'), worker?.stop()]);
  });

  it('exports: one export per idempotency key; download links, deletes', async () => {
    const statuses = await race('POST /exports, one Idempotency-Key', () => call('POST', '/api/v1/exports', { type: 'employees', format: 'csv' }, { 'idempotency-key': 'race-1' }));
    expect(statuses.every((s) => s === 200 || s === 202)).toBe(true);
    const list = await ok('GET', '/api/v1/exports?limit=100');
    expect(list.totalRecords).toBe(1);
    const id = list.items[0].id as string;
    await exportDone(id);
    await race('POST /exports/{id}/download-link', () => call('POST', `/api/v1/exports/${id}/download-link`, {}));
    await race('DELETE /exports/{id}', () => call('DELETE', `/api/v1/exports/${id}`));
    expect((await call('GET', `/api/v1/exports/${id}`)).status).toBe(404);
  });

  it('jobs: attachments of one name, cancel, retry, move-to-top, PATCH, DELETE', async () => {
    const pending = await ok('POST', '/api/v1/exports', { type: 'employees', format: 'csv', scheduledFor: new Date(Date.now() + 3_600_000).toISOString() });
    const attach = () => {
      const form = new FormData();
      form.append('file', new Blob(['note']), 'same.txt');
      return fetch(`${baseUrl}/api/v1/jobs/${pending.jobId}/attachments`, { method: 'POST', headers: { authorization: admin }, body: form }).then(async (res) => ({ status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() }));
    };
    const attached = await race('POST /jobs/{id}/attachments, one name', attach);
    expect(attached.filter((s) => s === 201)).toHaveLength(1);
    expect(((await ok('GET', `/api/v1/jobs/${pending.jobId}/files`)) as unknown[]).length).toBe(1);
    await race('PATCH /jobs/{id}', () => call('PATCH', `/api/v1/jobs/${pending.jobId}`, { name: 'raced' }));
    await race('POST /jobs/{id}/move-to-top', () => call('POST', `/api/v1/jobs/${pending.jobId}/move-to-top`));
    await race('POST /jobs/{id}/cancel', () => call('POST', `/api/v1/jobs/${pending.jobId}/cancel`));
    await waitFor(async () => (await ok('GET', `/api/v1/jobs/${pending.jobId}`)).status === 'cancelled', { timeoutMs: 30_000, what: 'the cancel' });
    await race('POST /jobs/{id}/retry', () => call('POST', `/api/v1/jobs/${pending.jobId}/retry`));
    await race('POST /jobs/{id}/cancel, again', () => call('POST', `/api/v1/jobs/${pending.jobId}/cancel`));
    await waitFor(async () => ['cancelled', 'succeeded', 'failed'].includes((await ok('GET', `/api/v1/jobs/${pending.jobId}`)).status), { timeoutMs: 30_000, what: 'the job to end' });
    await race('DELETE /jobs/{id}', () => call('DELETE', `/api/v1/jobs/${pending.jobId}`));
  });

  it('imports: batches of one record, finalize, delete', async () => {
    const record = await ok('POST', '/api/v1/imports', { type: 'employees', sourceName: 'race', expectedReferenceCount: -1 });
    const upload = (n: number) => () => {
      const form = new FormData();
      form.append('file', new Blob([`id,first_name,last_name,email,department,salary,hired_at,active,scope_id,notes\n${n},A,B,race${n}@example.com,Sales,10,2020-01-01,true,,\n`]), 'rows.csv');
      return fetch(`${baseUrl}/api/v1/imports/${record.id}/batches`, { method: 'POST', headers: { authorization: admin }, body: form }).then(async (res) => ({ status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() }));
    };
    let n = 0;
    await race('POST /imports/{id}/batches', () => upload(++n)());
    await race('POST /imports/{id}/finalize', () => call('POST', `/api/v1/imports/${record.id}/finalize`));

    // Deletes of a record without batches, racing each other and an upload: the record is gone
    // and no batch was stored for it, or the upload won and the record stays with its batch.
    const empty = await ok('POST', '/api/v1/imports', { type: 'employees', sourceName: 'race-delete', expectedReferenceCount: -1 });
    const uploadToEmpty = () => {
      const form = new FormData();
      form.append('file', new Blob(['id,first_name,last_name,email,department,salary,hired_at,active,scope_id,notes\n1,A,B,del@example.com,Sales,10,2020-01-01,true,,\n']), 'rows.csv');
      return fetch(`${baseUrl}/api/v1/imports/${empty.id}/batches`, { method: 'POST', headers: { authorization: admin }, body: form }).then(async (res) => ({ status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() }));
    };
    let sent = 0;
    const statuses = await race('DELETE /imports/{id}', () => (sent++ === 0 ? uploadToEmpty() : call('DELETE', `/api/v1/imports/${empty.id}`)));
    const after = await call('GET', `/api/v1/imports/${empty.id}`);
    if (statuses[0] === 202) {
      expect(after.json.batches).toHaveLength(1);
      expect(statuses.slice(1).every((s) => s === 409)).toBe(true);
    } else {
      expect(after.status).toBe(404);
      expect(statuses.slice(1).filter((s) => s === 204)).toHaveLength(1);
      expect(statuses.slice(1).every((s) => s === 204 || s === 404)).toBe(true);
    }
  });

  it('schedules: run-now, PATCH, DELETE', async () => {
    const schedule = await ok('POST', '/api/v1/export-schedules', { type: 'employees', format: 'csv', name: 'race', cron: '0 3 * * *', timezone: 'UTC' });
    const ran = await race('POST /export-schedules/{id}/run-now', () => call('POST', `/api/v1/export-schedules/${schedule.id}/run-now`));
    expect(ran.filter((s) => s === 202).length).toBeGreaterThan(0);
    await race('PATCH /export-schedules/{id}', () => call('PATCH', `/api/v1/export-schedules/${schedule.id}`, { enabled: false }));
    await race('DELETE /export-schedules/{id}', () => call('DELETE', `/api/v1/export-schedules/${schedule.id}`));
  });

  it('webhooks: rotate-secret, ping, redeliver, PATCH, DELETE; tenant limits', async () => {
    const hook = await ok('POST', '/api/v1/webhooks', { url: 'https://93.184.215.14/porter', events: ['*'] });
    await race('POST /webhooks/{id}/rotate-secret', () => call('POST', `/api/v1/webhooks/${hook.id}/rotate-secret`));
    await race('POST /webhooks/{id}/ping', () => call('POST', `/api/v1/webhooks/${hook.id}/ping`));
    const deliveries = await ok('GET', `/api/v1/webhooks/${hook.id}/deliveries`);
    await race('POST .../deliveries/{id}/redeliver', () => call('POST', `/api/v1/webhooks/${hook.id}/deliveries/${deliveries.items[0].id}/redeliver`));
    await race('PATCH /webhooks/{id}', () => call('PATCH', `/api/v1/webhooks/${hook.id}`, { description: 'raced' }));
    await race('DELETE /webhooks/{id}', () => call('DELETE', `/api/v1/webhooks/${hook.id}`));
    await race('PUT /job-queue/tenants/{tenant}/limits', () => call('PUT', '/api/v1/job-queue/tenants/tenant-race/limits', { maxConcurrentJobs: 3, maxPendingJobs: 500 }));
  });

  it('found nothing, and the API is still up', async () => {
    expect(failures).toEqual([]);
    expect((await fetch(`${baseUrl}/api/health/ready`)).status).toBe(200);
  });
});

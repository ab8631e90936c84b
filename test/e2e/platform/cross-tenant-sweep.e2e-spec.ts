import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker, WorkerProcess } from '../../support/processes';
import { waitFor } from '../../support/wait-for';

/**
 * Every operation of the OpenAPI document that names a resource, called by an admin of ANOTHER
 * tenant with the real ids of this tenant's job, export (finished, with its file), import and
 * batch, schedule, webhook and delivery: each must answer 404 (or 403) and reveal nothing, and the
 * owner's resources must be unchanged afterwards (the intruder's DELETE, cancel, retry, PATCH,
 * rotate-secret, run-now... did nothing). The document is read from the running API, so an
 * operation added later is swept without editing this test.
 */

interface OpenApiDoc {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Text only the owner's data holds: it must never appear in an answer to the intruder. */
const SECRET = 'owner-only-7c1f';

describe('API process: another tenant gets 404 on every operation with our ids, and changes nothing', () => {
  let api: PorterProcess;
  let worker: WorkerProcess;
  let baseUrl: string;
  let doc: OpenApiDoc;
  const owner = bearer('owner', 'tenant-owner', { admin: true });
  const intruder = bearer('intruder', 'tenant-intruder', { admin: true });
  const ids: Record<string, string> = {};

  const call = async (authorization: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, text, json: (() => { try { return JSON.parse(text); } catch { return null; } })() };
  };
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(owner, method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.json;
  };

  beforeAll(async () => {
    const env = { JOB_POLLING_INTERVAL_MS: '200', RATE_LIMIT_ENABLED: 'false' };
    [{ process: api, baseUrl }, worker] = await Promise.all([startApi(env), startWorker(env)]);
    doc = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as OpenApiDoc;

    const exported = await ok('POST', '/api/v1/exports', { type: 'employees', format: 'csv', name: SECRET });
    ids.exports = exported.id;
    ids.jobs = exported.jobId;
    await waitFor(async () => (await ok('GET', `/api/v1/exports/${ids.exports}`)).status === 'succeeded', { timeoutMs: 60_000, what: 'the export' });
    const files = (await ok('GET', `/api/v1/jobs/${ids.jobs}/files`)) as Array<{ name: string }>;
    expect(files.length).toBeGreaterThan(0);
    ids.name = files[0].name;

    ids.imports = (await ok('POST', '/api/v1/imports', { type: 'employees', sourceName: SECRET, expectedReferenceCount: -1 })).id;
    const form = new FormData();
    form.append('file', new Blob(['id,first_name,last_name,email,department,salary,hired_at,active,scope_id,notes\n1,A,B,a@example.com,Sales,10,2020-01-01,true,,\n']), 'rows.csv');
    const uploaded = await fetch(`${baseUrl}/api/v1/imports/${ids.imports}/batches`, { method: 'POST', headers: { authorization: owner }, body: form });
    expect(uploaded.status).toBe(202);
    ids.batchId = ((await uploaded.json()) as { id: string }).id;

    ids['export-schedules'] = (await ok('POST', '/api/v1/export-schedules', { type: 'employees', format: 'csv', name: SECRET, cron: '0 3 * * *', timezone: 'UTC' })).id;
    await ok('POST', `/api/v1/export-schedules/${ids['export-schedules']}/run-now`);

    ids.webhooks = (await ok('POST', '/api/v1/webhooks', { url: 'https://93.184.215.14/porter', events: ['*'], description: SECRET })).id;
    await ok('POST', `/api/v1/webhooks/${ids.webhooks}/ping`);
    const deliveries = await ok('GET', `/api/v1/webhooks/${ids.webhooks}/deliveries`);
    expect(deliveries.items.length).toBeGreaterThan(0);
    ids.deliveryId = deliveries.items[0].id;
  });

  afterAll(async () => {
    await Promise.all([api?.stop('SIGTERM'), worker?.stop()]);
  });

  /** The operation's path with this tenant's ids; null when it names something not per tenant (`{tenant}`). */
  function fill(path: string): string | null {
    if (path.includes('{tenant}')) return null;
    const resource = /^\/api\/v1\/([a-z-]+)\//.exec(path)?.[1];
    let filled = path.replace('{id}', resource ? ids[resource] : '{id}');
    for (const name of ['batchId', 'deliveryId', 'name']) filled = filled.replace(`{${name}}`, encodeURIComponent(ids[name]));
    return /\{\w+\}/.test(filled) ? null : filled;
  }

  it("answers the intruder 404 (or 403) on every operation naming the owner's resources, and shows nothing of them", async () => {
    const swept: string[] = [];
    const failures: string[] = [];
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const method of METHODS.filter((m) => item[m])) {
        const path = fill(template);
        if (!path || path === template) continue;
        const op = item[method];
        const M = method.toUpperCase();
        let status: number;
        let text: string;
        if (op.requestBody?.content?.['multipart/form-data'] && !op.requestBody.content['application/json']) {
          // Uploads: a real file, so the answer cannot come from a missing part before the lookup.
          const form = new FormData();
          form.append(template.endsWith('/attachments') ? 'attachment' : 'file', new Blob(['a,b\n1,2\n']), 'x.csv');
          const res = await fetch(`${baseUrl}${path}`, { method: M, headers: { authorization: intruder }, body: form, signal: AbortSignal.timeout(15_000) });
          [status, text] = [res.status, await res.text()];
        } else {
          ({ status, text } = await call(intruder, M, path, op.requestBody ? {} : undefined));
        }
        swept.push(`${M} ${template}`);
        if (![403, 404].includes(status) || text.includes(SECRET) || text.includes('tenant-owner')) failures.push(`${M} ${path}: ${status} ${text.slice(0, 200)}`);
      }
    }
    expect(failures).toEqual([]);
    // The sweep reached every kind of resource.
    for (const expected of ['DELETE /api/v1/jobs/{id}', 'GET /api/v1/jobs/{id}/files/{name}', 'GET /api/v1/exports/{id}/download', 'POST /api/v1/imports/{id}/batches', 'GET /api/v1/imports/{id}/batches/{batchId}/failed-rows', 'POST /api/v1/export-schedules/{id}/run-now', 'POST /api/v1/webhooks/{id}/rotate-secret', 'POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver']) {
      expect(swept).toContain(expected);
    }
    expect(swept.length).toBeGreaterThan(35);
  });

  it("shows none of the owner's resources in the intruder's lists", async () => {
    for (const list of ['/api/v1/jobs', '/api/v1/exports', '/api/v1/imports', '/api/v1/export-schedules', '/api/v1/webhooks']) {
      const res = await call(intruder, 'GET', list);
      expect(res.status).toBe(200);
      expect(res.json.totalRecords).toBe(0);
      expect(res.text).not.toContain(SECRET);
    }
  });

  it("leaves the owner's resources as they were", async () => {
    expect(await ok('GET', `/api/v1/exports/${ids.exports}`)).toMatchObject({ status: 'succeeded', name: SECRET });
    const download = await fetch(`${baseUrl}/api/v1/exports/${ids.exports}/download`, { headers: { authorization: owner } });
    expect(download.status).toBe(200);
    await download.arrayBuffer();
    expect(await ok('GET', `/api/v1/jobs/${ids.jobs}`)).toMatchObject({ status: 'succeeded' });
    expect((await ok('GET', `/api/v1/imports/${ids.imports}`)).sourceName).toBe(SECRET);
    expect(await ok('GET', `/api/v1/export-schedules/${ids['export-schedules']}`)).toMatchObject({ name: SECRET, enabled: true });
    expect(await ok('GET', `/api/v1/webhooks/${ids.webhooks}`)).toMatchObject({ description: SECRET, enabled: true });
    // One run: the owner's run-now. The intruder's run-now did not make another.
    expect((await ok('GET', `/api/v1/export-schedules/${ids['export-schedules']}/runs`)).totalRecords).toBe(1);
  });
});

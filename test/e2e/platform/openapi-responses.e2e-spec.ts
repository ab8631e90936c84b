import Ajv, { ValidateFunction } from 'ajv';
import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, Reply, replyOf, waitForExport } from '../exports/export-support';

type Schema = Record<string, any>;
type Response = { description?: string; content?: Record<string, { schema?: Schema }>; headers?: Record<string, { schema?: Schema }> };
type Operation = { responses: Record<string, Response>; security?: unknown[]; requestBody?: { content: Record<string, unknown> } };
type Doc = { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } };

const REF = '#/components/schemas/';

/**
 * An OpenAPI 3.0 schema as JSON Schema (draft 7, for ajv): `nullable: true` becomes "or null",
 * component refs point at the `porter` schema's definitions, and an object that lists its properties allows no others
 * (unless it says `additionalProperties`), so an undocumented field of an answer fails too.
 */
function toJsonSchema(schema: Schema, refBase: string): Schema {
  const convert = (s: Schema) => toJsonSchema(s, refBase);
  if (Array.isArray(schema)) return schema.map(convert);
  if (schema === null || typeof schema !== 'object') return schema;
  const { nullable, example, ...rest } = schema;
  void example;
  const out: Schema = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === '$ref') out.$ref = `${refBase}${String(value).slice(REF.length)}`;
    else if (key === 'properties') out.properties = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, convert(v)]));
    else if (['items', 'additionalProperties', 'not'].includes(key)) out[key] = typeof value === 'object' ? convert(value) : value;
    else if (['allOf', 'anyOf', 'oneOf'].includes(key)) out[key] = (value as Schema[]).map(convert);
    else out[key] = value;
  }
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return nullable ? { anyOf: [{ type: 'null' }, out] } : out;
}

/**
 * The OpenAPI document (/api/docs-json) against real answers: every JSON 2xx it declares has a
 * schema, and what the API really answers for exports, imports, schedules, jobs and tenant limits
 * (and their problem+json errors) validates against the schema declared for that operation and status.
 * What every operation shares is declared and answered too: `security: []` on the @Public() ones
 * (answered without a token) and a 401 on every other (answered by each without a token), 415/413
 * for bodies, 429 with Retry-After under /api/v1 (answered with rate limits on).
 */
describe('OpenAPI document: declared response schemas match real answers (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let worker: PorterProcess;
  let baseUrl: string;
  let doc: Doc;
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('binary', true);
  const compiled = new Map<string, ValidateFunction>();
  const checked = new Set<string>();
  const admin = () => exportsClient(baseUrl, bearer('ada', tenant, { admin: true }));
  /** Every operation of the document: [path, method, operation]. */
  const operations = (): Array<[string, string, Operation]> => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => [path, method, operation] as [string, string, Operation]));
  /** A request as it comes, without a token unless `headers` has one. */
  const send = async (method: string, path: string, init: { headers?: Record<string, string>; body?: string | FormData } = {}, base = baseUrl): Promise<Reply> => {
    return replyOf(await fetch(`${base}${path}`, { method, headers: init.headers, body: init.body }));
  };
  const PUBLIC_OPERATIONS = ['GET /api/dev/sign-in', 'GET /api/health', 'GET /api/health/ready', 'GET /api/v1/exports/{id}/file', 'POST /api/dev/sign-in'];
  const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };

  beforeAll(async () => {
    const started = await startApi({ ...EXPORT_ENV, RATE_LIMIT_ENABLED: 'false' });
    api = started.process;
    baseUrl = started.baseUrl;
    worker = await startWorker(EXPORT_ENV);
    doc = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as Doc;
    ajv.addSchema({ $id: 'porter', definitions: Object.fromEntries(Object.entries(doc.components.schemas).map(([k, v]) => [k, toJsonSchema(v, '#/definitions/')])) });
  });
  afterAll(async () => {
    await Promise.all([api?.stop(), worker?.stop()]);
  });

  /** The schema the document declares for this answer, compiled (fails the test when there is none). */
  const validatorFor = (path: string, method: string, status: number, media: string): ValidateFunction => {
    const key = `${method.toUpperCase()} ${path} ${status} ${media}`;
    const response = doc.paths[path]?.[method]?.responses[String(status)];
    if (!response) throw new Error(`${key}: the document declares no ${status} answer for this operation`);
    const schema = response.content?.[media]?.schema;
    if (!schema) throw new Error(`${key}: the document declares no ${media} schema (${JSON.stringify(response)})`);
    if (!compiled.has(key)) compiled.set(key, ajv.compile({ $id: `porter-answer-${compiled.size}`, allOf: [toJsonSchema(schema, 'porter#/definitions/')] }));
    return compiled.get(key)!;
  };

  /** Asserts the answer's status, then validates its JSON body against the declared schema of `path` (the document's template). */
  const expectDocumented = (reply: Reply, path: string, method: string, status: number): any => {
    if (reply.status !== status) throw new Error(`${method.toUpperCase()} ${path}: expected ${status}, got ${reply.status} ${reply.text}`);
    const media = (reply.headers.get('content-type') ?? '').split(';')[0].trim();
    expect(['application/json', 'application/problem+json']).toContain(media);
    const validate = validatorFor(path, method, status, media);
    if (!validate(reply.json)) {
      throw new Error(`${method.toUpperCase()} ${path} ${status} does not match its documented schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}\n${reply.text.slice(0, 2000)}`);
    }
    checked.add(`${method.toUpperCase()} ${path} ${status}`);
    return reply.json;
  };

  it('declares a 2xx answer for every operation, a schema for every 2xx answer that has a body (JSON or a file), and none for a 204', () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        if (!Object.keys(operation.responses ?? {}).some((status) => status.startsWith('2'))) missing.push(`${method.toUpperCase()} ${path}: no 2xx answer`);
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (!status.startsWith('2')) continue;
          const media = Object.entries(response.content ?? {});
          if (status === '204') {
            if (media.length) missing.push(`${method.toUpperCase()} ${path} 204 declares a body`);
            continue;
          }
          if (!media.length) missing.push(`${method.toUpperCase()} ${path} ${status}: ${JSON.stringify(response)}`);
          for (const [type, content] of media) if (!content.schema) missing.push(`${method.toUpperCase()} ${path} ${status} ${type}: no schema`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("documents the 404 problem of every operation that names a resource of the API's", () => {
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      // A signed download link answers 403 for a bad signature; every tenant has limits (the defaults).
      if (!path.startsWith('/api/v1/') || !/\{\w+\}/.test(path) || path === '/api/v1/exports/{id}/file' || path.includes('/tenants/{tenant}/')) continue;
      for (const [method, operation] of Object.entries(item)) {
        if (!operation.responses?.['404']?.content?.['application/problem+json']) missing.push(`${method.toUpperCase()} ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives the @Public() operations, and only them, security: [] (no token); every other one documents its 401 problem', () => {
    const open: string[] = [];
    const missing: string[] = [];
    for (const [path, method, operation] of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      if (Array.isArray(operation.security) && operation.security.length === 0) {
        open.push(name);
        if (operation.responses['401']) missing.push(`${name}: public, yet declares 401`);
      } else if (JSON.stringify(operation.responses['401']?.content) !== JSON.stringify(PROBLEM)) {
        missing.push(`${name}: no 401 problem`);
      }
    }
    expect(open.sort()).toEqual(PUBLIC_OPERATIONS);
    expect(missing).toEqual([]);
    // The marker the document is built with does not leak into it.
    expect(JSON.stringify(doc)).not.toContain('x-porter-public');
    const link = doc.paths['/api/v1/exports/{id}/file'].get.responses;
    for (const status of ['403', '404', '410']) expect(link[status]?.content).toEqual(PROBLEM);
    expect(link['403'].description).toMatch(/tampered|expired/);
  });

  it('documents 415 for every operation that takes a body, 413 for every JSON one, and 429 with Retry-After for every /api/v1 one', () => {
    const missing: string[] = [];
    let bodies = 0;
    for (const [path, method, operation] of operations()) {
      const name = `${method.toUpperCase()} ${path}`;
      const media = Object.keys(operation.requestBody?.content ?? {});
      if (media.length) {
        bodies++;
        if (!operation.responses['415']?.content?.['application/problem+json']) missing.push(`${name}: no 415`);
      }
      if (media.includes('application/json') && !operation.responses['413']?.content?.['application/problem+json']) missing.push(`${name}: no 413`);
      if (path.startsWith('/api/v1/')) {
        const tooMany = operation.responses['429'];
        if (!tooMany?.content?.['application/problem+json']) missing.push(`${name}: no 429`);
        if (tooMany?.headers?.['Retry-After']?.schema?.type !== 'integer') missing.push(`${name}: 429 without Retry-After`);
      }
    }
    expect(missing).toEqual([]);
    expect(bodies).toBeGreaterThanOrEqual(12);
    // An operation's own words for a status stay.
    expect(doc.paths['/api/v1/exports'].post.responses['429'].description).toMatch(/pending jobs limit/);
    expect(doc.paths['/api/v1/jobs/{id}/stream'].get.responses['429'].description).toMatch(/streams/);
  });

  it('declares the statuses and headers the contract review found missing', () => {
    const responses = (path: string, method: string) => doc.paths[path][method].responses;
    const attachments = responses('/api/v1/jobs/{id}/attachments', 'post');
    expect(attachments['201']?.content?.['application/json']).toBeDefined();
    expect(attachments['200']).toBeUndefined();
    const exports = responses('/api/v1/exports', 'post');
    for (const status of ['403', '409', '415']) expect(exports[status]?.content).toEqual(PROBLEM);
    expect(responses('/api/v1/jobs/{id}', 'patch')['422']?.content).toEqual(PROBLEM);
    for (const method of ['get', 'put']) expect(responses('/api/v1/job-queue/tenants/{tenant}/limits', method)['422']?.content).toEqual(PROBLEM);
    for (const [path, status] of [['/api/v1/exports', '202'], ['/api/v1/imports', '201'], ['/api/v1/export-schedules', '201']]) {
      expect(responses(path, 'post')[status].headers?.Location?.schema?.type).toBe('string');
    }
  });

  it('declares nullable scalars with their type: no property is a nullable "object" unless it is one', () => {
    const wrong: string[] = [];
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      for (const [property, p] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
        const isObject = p.allOf || p.$ref || p.additionalProperties !== undefined || p.properties;
        if (p.type === 'object' && p.nullable && !isObject) wrong.push(`${name}.${property}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('exports: request, wait, get, list, types and a download link answer as documented', async () => {
    const client = admin();
    const created = expectDocumented(await client.request({ type: 'employees', format: 'csv', columns: ['email', 'last_name'] }), '/api/v1/exports', 'post', 202);
    await waitForExport(client, created.id);
    const one = expectDocumented(await client.get(created.id), '/api/v1/exports/{id}', 'get', 200);
    expect(one.result).not.toBeNull();
    expectDocumented(await client.list('?limit=5'), '/api/v1/exports', 'get', 200);
    expectDocumented(await client.call('GET', '/api/v1/exports/types'), '/api/v1/exports/types', 'get', 200);
    expectDocumented(await client.call('POST', `/api/v1/exports/${created.id}/download-link`, { expiresInSeconds: 120 }), '/api/v1/exports/{id}/download-link', 'post', 200);
    // Problems too: their problem+json body is the declared ProblemDto.
    expectDocumented(await client.get(randomUUID()), '/api/v1/exports/{id}', 'get', 404);
    expectDocumented(await client.request({ type: 'employees', format: 'csv', compression: 'bz2' }), '/api/v1/exports', 'post', 400);
    expectDocumented(await client.request({ type: 'nope', format: 'csv' }), '/api/v1/exports', 'post', 422);

    const job = expectDocumented(await client.call('GET', `/api/v1/jobs/${created.jobId}`), '/api/v1/jobs/{id}', 'get', 200);
    expect(job.outputInformation).not.toBeNull();
    expectDocumented(await client.call('GET', '/api/v1/jobs?limit=5'), '/api/v1/jobs', 'get', 200);
    expectDocumented(await client.call('GET', `/api/v1/jobs/${created.jobId}/events`), '/api/v1/jobs/{id}/events', 'get', 200);
    expectDocumented(await client.call('GET', `/api/v1/jobs/${created.jobId}/files`), '/api/v1/jobs/{id}/files', 'get', 200);
  });

  it('imports: record, CSV batch, record, batch, results, list, types and configuration answer as documented', async () => {
    const client = admin();
    const record = expectDocumented(
      await client.call('POST', '/api/v1/imports', { type: 'employees', sourceName: 'openapi check', expectedReferenceCount: -1 }),
      '/api/v1/imports',
      'post',
      201,
    );
    const form = new FormData();
    form.append('file', new Blob([`first_name,last_name,email\nAda,Lovelace,ada-${randomUUID()}@example.com\nBad,Row,not-an-email\n`], { type: 'text/csv' }), 'people.csv');
    const res = await fetch(`${baseUrl}/api/v1/imports/${record.id}/batches`, { method: 'POST', headers: { authorization: bearer('ada', tenant, { admin: true }) }, body: form });
    const batch = expectDocumented(await replyOf(res), '/api/v1/imports/{id}/batches', 'post', 202);
    await waitFor(
      async () => ['completed', 'partially_failed', 'failed'].includes((await client.call('GET', `/api/v1/imports/${record.id}/batches/${batch.id}`)).json?.status),
      { timeoutMs: 60_000, intervalMs: 100, what: 'the batch to finish' },
    );
    expectDocumented(await client.call('GET', `/api/v1/imports/${record.id}`), '/api/v1/imports/{id}', 'get', 200);
    const done = expectDocumented(await client.call('GET', `/api/v1/imports/${record.id}/batches/${batch.id}`), '/api/v1/imports/{id}/batches/{batchId}', 'get', 200);
    expect(done.columnMapping).not.toBeNull();
    const results = expectDocumented(await client.call('GET', `/api/v1/imports/${record.id}/batches/${batch.id}/results`), '/api/v1/imports/{id}/batches/{batchId}/results', 'get', 200);
    expect(results.items.map((r: { status: string }) => r.status)).toEqual(['completed', 'failed']);
    expectDocumented(await client.call('GET', '/api/v1/imports?limit=5'), '/api/v1/imports', 'get', 200);
    expectDocumented(await client.call('GET', '/api/v1/imports/types'), '/api/v1/imports/types', 'get', 200);
    expectDocumented(await client.call('GET', '/api/v1/imports/configuration'), '/api/v1/imports/configuration', 'get', 200);
    expectDocumented(await client.call('GET', `/api/v1/imports/${randomUUID()}`), '/api/v1/imports/{id}', 'get', 404);
    expectDocumented(await client.call('POST', '/api/v1/imports', { type: 'employees' }), '/api/v1/imports', 'post', 400);
  });

  it('export schedules: create, get, list, patch, run now and runs answer as documented', async () => {
    const client = admin();
    const S = '/api/v1/export-schedules';
    const created = await client.call('POST', S, { type: 'employees', format: 'csv', cron: '0 6 * * 1-5', timezone: 'Europe/Berlin' });
    const schedule = expectDocumented(created, S, 'post', 201);
    expect(created.headers.get('location')).toBe(`${S}/${schedule.id}`);
    expect(schedule.lastRunAt).toBeNull();
    // The check itself: a wrong type, an undocumented field or a missing one fails it.
    const validate = validatorFor(S, 'post', 201, 'application/json');
    expect(validate({ ...schedule, nextRunAt: 5 })).toBe(false);
    expect(validate({ ...schedule, surprise: true })).toBe(false);
    expect(validate({ ...schedule, cron: undefined })).toBe(false);
    expectDocumented(await client.call('GET', `${S}/${schedule.id}`), `${S}/{id}`, 'get', 200);
    expectDocumented(await client.call('GET', S), S, 'get', 200);
    const paused = expectDocumented(await client.call('PATCH', `${S}/${schedule.id}`, { enabled: false, name: 'paused' }), `${S}/{id}`, 'patch', 200);
    expect(paused.nextRunAt).toBeNull();
    const run = expectDocumented(await client.call('POST', `${S}/${schedule.id}/run-now`), `${S}/{id}/run-now`, 'post', 202);
    await waitForExport(client, run.id);
    const runs = expectDocumented(await client.call('GET', `${S}/${schedule.id}/runs`), `${S}/{id}/runs`, 'get', 200);
    expect(runs.items[0].result).not.toBeNull();
    expectDocumented(await client.call('GET', `${S}/${schedule.id}`), `${S}/{id}`, 'get', 200);
    expectDocumented(await client.call('POST', S, { type: 'employees', format: 'csv', cron: 'x', timezone: 'UTC' }), S, 'post', 400);
    expectDocumented(await client.call('GET', `${S}/${randomUUID()}`), `${S}/{id}`, 'get', 404);
  });

  it('jobs: a pending job renamed and rescheduled, and tenant limits with an operator token, answer as documented', async () => {
    const client = admin();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const created = expectDocumented(await client.request({ type: 'employees', format: 'jsonl', scheduledFor: later }), '/api/v1/exports', 'post', 202);
    expect(created.scheduledFor).not.toBeNull();
    const job = expectDocumented(await client.call('PATCH', `/api/v1/jobs/${created.jobId}`, { name: 'later', scheduledFor: null }), '/api/v1/jobs/{id}', 'patch', 200);
    expect(job.name).toBe('later');

    const operator = exportsClient(baseUrl, bearer('ops', 'platform', { operator: true }));
    const L = '/api/v1/job-queue/tenants/{tenant}/limits';
    const path = `/api/v1/job-queue/tenants/${tenant}/limits`;
    expectDocumented(await operator.call('GET', path), L, 'get', 200);
    const set = expectDocumented(await operator.call('PUT', path, { maxConcurrentJobs: 3, maxPendingJobs: null }), L, 'put', 200);
    expect(set.overrides).toEqual({ maxConcurrentJobs: 3, maxPendingJobs: null });
    expectDocumented(await operator.call('PUT', path, { maxConcurrentJobs: null }), L, 'put', 200);
  });

  it('without a token, every operation that needs one answers its documented 401; the public ones answer without one', async () => {
    const values: Record<string, string> = { tenant, type: 'employees', name: 'x.csv' };
    let refused = 0;
    for (const [template, method] of operations()) {
      const path = template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? randomUUID());
      if (PUBLIC_OPERATIONS.includes(`${method.toUpperCase()} ${template}`)) continue;
      expectDocumented(await send(method.toUpperCase(), path), template, method, 401);
      refused++;
    }
    expect(refused).toBeGreaterThanOrEqual(50);
    expectDocumented(await send('GET', '/api/health'), '/api/health', 'get', 200);
    expectDocumented(await send('GET', '/api/health/ready'), '/api/health/ready', 'get', 200);
    // NODE_ENV=test: development sign-in is refused, but not for want of a token.
    expectDocumented(await send('GET', '/api/dev/sign-in'), '/api/dev/sign-in', 'get', 403);
    const signIn = { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: 'ada', tenant }) };
    expectDocumented(await send('POST', '/api/dev/sign-in', signIn), '/api/dev/sign-in', 'post', 403);
    expectDocumented(await send('POST', '/api/dev/sign-in', { headers: { 'content-type': 'text/plain' }, body: 'user=ada' }), '/api/dev/sign-in', 'post', 415);
    expectDocumented(await send('GET', `/api/v1/exports/${randomUUID()}/file?expires=1&sig=x`), '/api/v1/exports/{id}/file', 'get', 403);
  });

  it('exports: 415 for a body that is not JSON, 403 for a non-admin asking for a global type, 409 for the key of a deleted export, Location on 202; a tampered link is a 403', async () => {
    const client = admin();
    const ada = bearer('ada', tenant, { admin: true });
    expectDocumented(await send('POST', '/api/v1/exports', { headers: { authorization: ada, 'content-type': 'text/plain' }, body: 'type=employees' }), '/api/v1/exports', 'post', 415);
    expectDocumented(await exportsClient(baseUrl, bearer('bob', tenant)).request({ type: 'employees', format: 'csv' }), '/api/v1/exports', 'post', 403);
    const key = randomUUID();
    const first = await client.request({ type: 'employees', format: 'csv' }, { 'idempotency-key': key });
    const created = expectDocumented(first, '/api/v1/exports', 'post', 202);
    expect(first.headers.get('location')).toBe(`/api/v1/exports/${created.id}`);
    await waitForExport(client, created.id);
    const link = expectDocumented(await client.call('POST', `/api/v1/exports/${created.id}/download-link`, {}), '/api/v1/exports/{id}/download-link', 'post', 200);
    const tampered = new URL(link.url, baseUrl);
    tampered.searchParams.set('sig', `x${tampered.searchParams.get('sig')}`);
    const refused = expectDocumented(await send('GET', `${tampered.pathname}${tampered.search}`), '/api/v1/exports/{id}/file', 'get', 403);
    expect(refused.detail).toMatch(/invalid/);
    expect((await client.remove(created.id)).status).toBe(204);
    const again = expectDocumented(await client.request({ type: 'employees', format: 'csv' }, { 'idempotency-key': key }), '/api/v1/exports', 'post', 409);
    expect(again.detail).toMatch(/deleted/);
    // A JSON body past JSON_BODY_LIMIT_BYTES (1 MiB by default).
    const large = { type: 'employees', format: 'csv', name: 'x'.repeat(1024 * 1024 + 1) };
    expectDocumented(await client.call('POST', '/api/v1/export-schedules', large), '/api/v1/export-schedules', 'post', 413);
    const imported = await client.call('POST', '/api/v1/imports', { type: 'employees', sourceName: 'location', expectedReferenceCount: -1 });
    const record = expectDocumented(imported, '/api/v1/imports', 'post', 201);
    expect(imported.headers.get('location')).toBe(`/api/v1/imports/${record.id}`);
  });

  it('jobs: an attachment upload is a 201, a bidi name a 422 naming it, a body that is not JSON a 415; a malformed tenant of the limits a 422', async () => {
    const client = admin();
    const ada = bearer('ada', tenant, { admin: true });
    const created = expectDocumented(await client.request({ type: 'employees', format: 'csv', scheduledFor: new Date(Date.now() + 3_600_000).toISOString() }), '/api/v1/exports', 'post', 202);
    const form = new FormData();
    form.append('file', new Blob(['some notes\n'], { type: 'text/plain' }), 'notes.txt');
    const added = expectDocumented(await send('POST', `/api/v1/jobs/${created.jobId}/attachments`, { headers: { authorization: ada }, body: form }), '/api/v1/jobs/{id}/attachments', 'post', 201);
    expect(added.map((file: { name: string; kind: string }) => [file.name, file.kind])).toEqual([['notes.txt', 'attachment']]);
    const bidi = expectDocumented(await client.call('PATCH', `/api/v1/jobs/${created.jobId}`, { name: 'a\u202eb' }), '/api/v1/jobs/{id}', 'patch', 422);
    expect(bidi.errors.map((e: { path: string }) => e.path)).toEqual(['name']);
    expectDocumented(await send('PATCH', `/api/v1/jobs/${created.jobId}`, { headers: { authorization: ada, 'content-type': 'text/plain' }, body: 'name=x' }), '/api/v1/jobs/{id}', 'patch', 415);

    const operator = exportsClient(baseUrl, bearer('ops', 'platform', { operator: true }));
    const L = '/api/v1/job-queue/tenants/{tenant}/limits';
    const malformed = '/api/v1/job-queue/tenants/%E2%80%AEx/limits';
    const got = expectDocumented(await operator.call('GET', malformed), L, 'get', 422);
    expect(got.errors.map((e: { path: string }) => e.path)).toEqual(['tenant']);
    expectDocumented(await operator.call('PUT', malformed, { maxConcurrentJobs: 1 }), L, 'put', 422);
  });

  it('with rate limits on, a /api/v1 operation past them answers its documented 429 with Retry-After', async () => {
    // Its own queue prefix: its counters are its own, not those of other tests' processes.
    const limited = await startApi({ ...EXPORT_ENV, RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_PER_ADDRESS: '3', QUEUE_PREFIX: `${process.env.QUEUE_PREFIX}-rl-${randomUUID()}` });
    try {
      const ada = bearer('ada', tenant, { admin: true });
      let reply: Reply | null = null;
      for (let i = 0; i < 10 && reply?.status !== 429; i++) reply = await send('GET', '/api/v1/exports/types', { headers: { authorization: ada } }, limited.baseUrl);
      expectDocumented(reply!, '/api/v1/exports/types', 'get', 429);
      expect(Number(reply!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.process.stop();
    }
  });

  it('covered every operation it meant to', () => {
    expect(checked.size).toBeGreaterThanOrEqual(101);
    expect([...checked]).toEqual(
      expect.arrayContaining([
        'POST /api/v1/exports 403',
        'POST /api/v1/exports 409',
        'POST /api/v1/exports 415',
        'POST /api/v1/export-schedules 413',
        'GET /api/v1/exports/{id}/file 403',
        'POST /api/v1/jobs/{id}/attachments 201',
        'PATCH /api/v1/jobs/{id} 422',
        'PATCH /api/v1/jobs/{id} 415',
        'GET /api/v1/job-queue/tenants/{tenant}/limits 422',
        'PUT /api/v1/job-queue/tenants/{tenant}/limits 422',
        'GET /api/v1/exports/types 429',
        'POST /api/dev/sign-in 415',
      ]),
    );
  });
});

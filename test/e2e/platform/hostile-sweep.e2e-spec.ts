import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';

/**
 * Every operation of the OpenAPI document, driven with hostile input by a real API process: path
 * parameters that are not ids (malformed percent-encoding, overlong, traversal, prototype keys),
 * query parameters of the wrong type, shape or size, and JSON bodies of the wrong shape, each
 * declared property given every wrong type. Must hold for every request: an answer below 500, and
 * every refusal a problem+json. The document is read from the running API, so an operation added
 * later is swept without editing this test.
 */

interface Operation {
  method: string;
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** The JSON body's declared properties, those of them that accept null, and those that are objects. */
  jsonBody: { properties: string[]; nullable: string[]; objects: string[] } | null;
}

interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
}
interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string } | { $ref: string }>;
  requestBody?: { content?: Record<string, { schema?: OpenApiSchema }> };
}
interface OpenApiSchema {
  $ref?: string;
  properties?: Record<string, OpenApiSchema>;
  allOf?: OpenApiSchema[];
  nullable?: boolean;
  type?: string;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Path segments that are not ids: each one is sent raw, percent-encoding included. */
const HOSTILE_SEGMENTS = [
  'x',
  '0',
  '-1',
  '99999999999999999999999',
  '1e309',
  'a'.repeat(4000),
  "'%20OR%20'1'%3D'1",
  '%00',
  '%ZZ',
  '%E0%A4%A',
  '%C0%AF',
  '..%2F..%2Fetc%2Fpasswd',
  '__proto__',
  'constructor',
  'null',
  '%F0%9F%98%80',
  '00000000-0000-0000-0000-000000000000',
  '00000000-0000-0000-0000-00000000000G',
];

/** Query values of the wrong type, shape or size; each is the raw text after `name`. */
const HOSTILE_QUERY = [
  '=',
  '=x',
  '=-1',
  '=0',
  '=1.5',
  '=1e309',
  '=NaN',
  '=99999999999999999999999',
  `=${'a'.repeat(8000)}`,
  '=%00',
  '=%ZZ',
  '=1&{name}=2',
  '[a]=1',
  '[]=1',
  '[__proto__][x]=1',
  '=2026-13-45T99:99:99Z',
  '=,,,',
];

/** Values given to each declared body property in turn. */
const HOSTILE_VALUES: unknown[] = [null, true, -1, 0, 1.5, 1e308, '', 'x', '\u0000', 'a'.repeat(20_000), [], [null], {}, { __proto__: { x: 1 } }, [[[[[[[[1]]]]]]]]];

/** Whole bodies that are not the object the operation expects. */
const HOSTILE_BODIES = ['null', '[]', '"x"', '1', 'true', '{}', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '[{}]'];

function resolve(doc: OpenApiDoc, schema: OpenApiSchema | undefined, depth = 0): OpenApiSchema | undefined {
  if (!schema || depth > 8) return schema;
  if (schema.$ref) return resolve(doc, doc.components?.schemas?.[schema.$ref.split('/').pop()!], depth + 1);
  if (schema.allOf) {
    const properties = Object.assign({}, ...schema.allOf.map((s) => resolve(doc, s, depth + 1)?.properties ?? {}));
    return { properties: { ...properties, ...(schema.properties ?? {}) } };
  }
  return schema;
}

function operationsOf(doc: OpenApiDoc): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const params = (op.parameters ?? []).filter((p): p is { name: string; in: string } => 'name' in p);
      const json = op.requestBody?.content?.['application/json'];
      const properties = json ? (resolve(doc, json.schema)?.properties ?? {}) : {};
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        jsonBody: json
          ? {
              properties: Object.keys(properties),
              nullable: Object.keys(properties).filter((name) => properties[name].nullable || resolve(doc, properties[name])?.nullable),
              objects: Object.keys(properties).filter((name) => {
                const schema = resolve(doc, properties[name]);
                return schema?.type === 'object' || (!schema?.type && schema?.properties !== undefined);
              }),
            }
          : null,
      });
    }
  }
  return operations;
}

describe('API process: every operation meets hostile input with a 4xx problem, never a 500', () => {
  let api: PorterProcess;
  let baseUrl: string;
  let doc: OpenApiDoc;
  const authorization = bearer('sweeper', 'sweep', { admin: true, operator: true });

  beforeAll(async () => {
    ({ process: api, baseUrl } = await startApi({ RATE_LIMIT_ENABLED: 'false' }));
    doc = (await (await fetch(`${baseUrl}/api/docs-json`)).json()) as OpenApiDoc;
  });

  afterAll(async () => {
    await api?.stop('SIGTERM');
  });

  const failures: string[] = [];
  let sent = 0;

  /** Sends one request; records it as a failure when the answer is a 5xx or a refusal that is not problem+json. */
  async function probe(method: string, path: string, body?: string, extraHeaders: Record<string, string> = {}): Promise<{ status: number; text: string } | null> {
    sent++;
    const headers: Record<string, string> = { authorization, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, extraHeaders);
    const label = `${method} ${path.slice(0, 200)}${Object.keys(extraHeaders).length ? ` ${JSON.stringify(extraHeaders).slice(0, 160)}` : ''}${body ? ` ${body.slice(0, 120)}` : ''}`;
    let res: Response;
    try {
      res = await fetch(`${baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(15_000) });
    } catch (error) {
      failures.push(`${label}: no answer (${(error as Error).message})`);
      return null;
    }
    const type = res.headers.get('content-type') ?? '';
    const text = await res.text().catch(() => '');
    if (res.status >= 500 || (res.status >= 400 && !type.startsWith('application/problem+json'))) {
      failures.push(`${label}: ${res.status} ${type} ${text.slice(0, 200)}`);
    }
    return { status: res.status, text };
  }

  /** The operation's path with every path parameter set to `value` (or a harmless id where `value` is absent). */
  const fill = (op: Operation, value: string) => op.pathParams.reduce((p, name) => p.replace(`{${name}}`, value), op.path);
  const SAFE_ID = '00000000-0000-4000-8000-000000000000';

  it('reads the operations from the running API', () => {
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThan(40);
    expect(operations.filter((o) => o.jsonBody && o.jsonBody.properties.length > 0).length).toBeGreaterThan(8);
    // The object-typed fields are seen as such (filters, notify, options).
    expect(operations.find((o) => o.method === 'POST' && o.path === '/api/v1/exports')?.jsonBody?.objects).toEqual(expect.arrayContaining(['filters', 'notify']));
    expect(operations.find((o) => o.method === 'POST' && o.path === '/api/v1/imports')?.jsonBody?.objects).toEqual(['options']);
  });

  it('answers hostile path parameters', async () => {
    for (const op of operationsOf(doc).filter((o) => o.pathParams.length > 0 && !o.path.endsWith('/stream'))) {
      for (const segment of HOSTILE_SEGMENTS) await probe(op.method, fill(op, segment), op.jsonBody ? '{}' : undefined);
    }
  });

  it('answers hostile query parameters', async () => {
    for (const op of operationsOf(doc).filter((o) => o.queryParams.length > 0 && !o.path.endsWith('/stream'))) {
      for (const name of op.queryParams) {
        for (const raw of HOSTILE_QUERY) await probe(op.method, `${fill(op, SAFE_ID)}?${name}${raw.replaceAll('{name}', name)}`);
      }
    }
  });

  it('refuses an object of more than 1,000 properties at the edge (60,000 unknown filters held the event loop for 7 s)', async () => {
    const wide = Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, 1]));
    for (const body of [{ type: 'employees', format: 'csv', ...wide }, { type: 'employees', format: 'csv', filters: wide }]) {
      const answer = await probe('POST', '/api/v1/exports', JSON.stringify(body));
      expect(answer).toMatchObject({ status: 400, text: expect.stringContaining('an object with more than 1000 properties') });
      // Refused as a whole, not answered with one error per property (a 4 MB problem before).
      expect(answer!.text.length).toBeLessThan(1000);
    }
  });

  it('answers JSON bodies of the wrong shape, and every declared property given every wrong type', async () => {
    for (const op of operationsOf(doc).filter((o) => o.jsonBody)) {
      const path = fill(op, SAFE_ID);
      for (const body of HOSTILE_BODIES) await probe(op.method, path, body);
      for (const property of op.jsonBody!.properties) {
        for (const value of HOSTILE_VALUES) await probe(op.method, path, JSON.stringify({ [property]: value }));
      }
    }
  });

  /**
   * Bodies that are valid except for one property: each base is checked to be accepted first, so
   * every mutation reaches the handler's own checks (type lookup, filters, cron, URL guard, limits)
   * instead of stopping at a missing required field.
   */
  it('answers valid bodies with one property, or one export filter, given every wrong type', async () => {
    const send = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${baseUrl}${path}`, { method, headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const text = await res.text();
      if (res.status >= 300) throw new Error(`base ${method} ${path} ${JSON.stringify(body)}: ${res.status} ${text}`);
      return text ? (JSON.parse(text) as Record<string, unknown>) : {};
    };
    const types = (await (await fetch(`${baseUrl}/api/v1/exports/types`, { headers: { authorization } })).json()) as Array<{ type: string; filters: Array<{ name: string }> }>;
    const employees = types.find((t) => t.type === 'employees')!;
    expect(employees.filters.length).toBeGreaterThan(0);
    const exportBody = { type: 'employees', format: 'csv' };
    const created = await send('POST', '/api/v1/exports', exportBody);
    const schedule = await send('POST', '/api/v1/export-schedules', { type: 'employees', format: 'csv', name: 'sweep', cron: '0 3 * * *', timezone: 'UTC' });
    const hook = await send('POST', '/api/v1/webhooks', { url: 'https://93.184.215.14/porter', events: ['*'] });
    const bases: Array<{ method: string; path: string; base: Record<string, unknown> }> = [
      { method: 'POST', path: '/api/v1/exports', base: exportBody },
      { method: 'POST', path: '/api/v1/export-schedules', base: { type: 'employees', format: 'csv', name: 'sweep', cron: '0 3 * * *', timezone: 'UTC' } },
      { method: 'PATCH', path: `/api/v1/export-schedules/${schedule.id}`, base: { enabled: false } },
      { method: 'POST', path: '/api/v1/webhooks', base: { url: 'https://93.184.215.14/porter', events: ['*'] } },
      { method: 'PATCH', path: `/api/v1/webhooks/${hook.id}`, base: { description: 'sweep' } },
      { method: 'PATCH', path: `/api/v1/jobs/${created.jobId}`, base: { name: 'sweep' } },
      { method: 'PUT', path: '/api/v1/job-queue/tenants/sweep/limits', base: { maxConcurrentJobs: 5, maxPendingJobs: 1000 } },
      { method: 'POST', path: '/api/v1/imports', base: { type: 'employees', sourceName: 'sweep', expectedReferenceCount: -1 } },
    ];
    const operations = operationsOf(doc);
    for (const { method, path, base } of bases) {
      await send(method, path, base);
      const template = path.replace(/\/[0-9a-f-]{36}/g, '/{id}').replace('/tenants/sweep/', '/tenants/{tenant}/');
      const op = operations.find((o) => o.method === method && o.path === template);
      expect(op?.jsonBody?.properties.length).toBeGreaterThan(0);
      for (const property of op!.jsonBody!.properties) {
        for (const value of HOSTILE_VALUES) {
          const answer = await probe(method, path, JSON.stringify({ ...base, [property]: value }));
          // null where the contract does not say nullable: refused, naming the property (not taken as "absent").
          if (value === null && answer && !op!.jsonBody!.nullable.includes(property) && !(answer.status === 400 && answer.text.includes(`"${property}`))) {
            failures.push(`${method} ${path} {"${property}": null}: ${answer.status} ${answer.text.slice(0, 200)} (not nullable: expected 400 naming it)`);
          }
          // An array where an object is declared: refused (validated element by element, it was read as absent).
          if (Array.isArray(value) && answer && op!.jsonBody!.objects.includes(property) && !(answer.status === 400 && answer.text.includes(`"${property}`))) {
            failures.push(`${method} ${path} {"${property}": ${JSON.stringify(value)}}: ${answer.status} ${answer.text.slice(0, 200)} (an object: expected 400 naming it)`);
          }
        }
      }
    }
    for (const { name } of employees.filters) {
      for (const value of HOSTILE_VALUES) {
        const answer = await probe('POST', '/api/v1/exports', JSON.stringify({ ...exportBody, filters: { [name]: value } }));
        // A null filter is no filter and no value: refused (422, like every filter the type's schema
        // refuses), not compared with NULL (an empty export).
        if (value === null && answer && !(answer.status === 422 && answer.text.includes(`filters.${name}`))) {
          failures.push(`POST /api/v1/exports {"filters": {"${name}": null}}: ${answer.status} ${answer.text.slice(0, 200)} (expected 422 naming it)`);
        }
      }
    }
  });

  it('answers hostile headers: ranges, stream resume ids, idempotency keys, content types', async () => {
    // A job with a stored file and nothing running it: an export request with an attachment.
    const form = new FormData();
    form.append('request', JSON.stringify({ type: 'employees', format: 'csv' }));
    form.append('attachment', new Blob(['0123456789'.repeat(100)]), 'notes.txt');
    const submitted = await fetch(`${baseUrl}/api/v1/exports`, { method: 'POST', headers: { authorization }, body: form });
    expect(submitted.status).toBe(202);
    const { jobId } = (await submitted.json()) as { jobId: string };
    const file = `/api/v1/jobs/${jobId}/files/notes.txt`;
    const send = async (method: string, path: string, headers: Record<string, string>, body?: string) => (await probe(method, path, body, headers))?.status;
    expect(await send('GET', file, {})).toBe(200);
    expect(await send('GET', file, { range: 'bytes=0-9' })).toBe(206);
    const ranges = ['bytes=abc', 'bytes=5-1', 'bytes=-0', 'bytes=--1', 'bytes=0-0,' + '1-1,'.repeat(2000) + '2-2', 'bytes=99999999999999999999-', 'bytes=-99999999999999999999', 'items=0-1', 'bytes=1000-', 'bytes= 0 - 1 ', 'bytes=0x10-0x20', 'bytes=1e3-'];
    for (const range of ranges) await send('GET', file, { range });
    for (const ifRange of ['"x"', 'W/"x"', 'Mon, 99 Foo 2026 99:99:99 GMT', '']) await send('GET', file, { range: 'bytes=0-1', 'if-range': ifRange });
    // The job's stream with a resume id that is not one: answered (a stream or a problem), never a 500. Aborted once headers arrive.
    for (const lastEventId of ['x', '-1', 'running.NaN.NaN', '9'.repeat(400), 'succeeded.1.2.3', '..']) {
      sent++;
      const controller = new AbortController();
      const res = await fetch(`${baseUrl}/api/v1/jobs/${jobId}/stream`, { headers: { authorization, 'last-event-id': lastEventId }, signal: controller.signal });
      if (res.status >= 500 || (res.status >= 400 && !(res.headers.get('content-type') ?? '').startsWith('application/problem+json'))) failures.push(`stream Last-Event-ID ${lastEventId.slice(0, 40)}: ${res.status}`);
      controller.abort();
    }
    for (const key of ['', ' ', 'a'.repeat(5000), 'cl\u00e9\u00ff', 'x'.repeat(255) + 'y']) {
      await send('POST', '/api/v1/exports', { 'content-type': 'application/json', 'idempotency-key': key }, JSON.stringify({ type: 'employees', format: 'csv' }));
    }
    for (const contentType of ['application/json; charset=utf-16', 'application/json; charset=nonsense', 'application/json;;;', 'multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary=x', 'text/plain', 'application/x-www-form-urlencoded', '*/*']) {
      await send('POST', '/api/v1/exports', { 'content-type': contentType }, '{"type":"employees","format":"csv"}');
      await send('POST', `/api/v1/jobs/${jobId}/attachments`, { 'content-type': contentType }, '--x\r\n');
    }
    for (const accept of ['text/csv', 'application/xml', '*/*;q=abc', '']) await send('GET', `/api/v1/jobs/${jobId}`, { accept });
  });

  it('found nothing, and the API is still up and ready', async () => {
    expect(sent).toBeGreaterThan(1000);
    expect(failures).toEqual([]);
    expect((await fetch(`${baseUrl}/api/health/ready`)).status).toBe(200);
    expect(api.output()).not.toMatch(/unhandled|uncaught/i);
  });
});

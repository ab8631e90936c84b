import { request as httpRequest } from 'http';
import { connect } from 'net';
import { bearer } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';
import { PorterProcess, startApi } from '../../support/processes';

/** The HTTP contract every endpoint shares: auth, problem+json errors, ops endpoints. */
describe('API process: HTTP surface', () => {
  let api: PorterProcess;
  let baseUrl: string;

  beforeAll(async () => {
    ({ process: api, baseUrl } = await startApi({ JSON_BODY_LIMIT_BYTES: '2048' }));
  });

  afterAll(async () => {
    await api?.stop('SIGTERM');
  });

  const call = (path: string, init: RequestInit = {}) => fetch(`${baseUrl}${path}`, init);

  async function expectProblem(res: Response, status: number, detail?: RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status, title: expect.any(String), type: expect.any(String) });
    if (detail) expect(body.detail).toMatch(detail);
    return body;
  }

  it('answers liveness and readiness', async () => {
    expect((await call('/api/health')).status).toBe(200);
    const ready = await call('/api/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', details: { postgres: { status: 'up' }, redis: { status: 'up' } } });
  });

  it("answers a conditional GET or HEAD whose ETag still matches with 304, and a HEAD like its GET", async () => {
    const first = await call('/api/health');
    const tag = first.headers.get('etag');
    expect(tag).toMatch(/^W\/"/);
    const length = (await first.arrayBuffer()).byteLength;
    // node:http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request, and a
    // server must then answer in full.
    const conditional = (method: string, ifNoneMatch: string) =>
      new Promise<{ status: number; etag: string | undefined; body: number }>((resolve, reject) => {
        const req = httpRequest(`${baseUrl}/api/health`, { method, headers: { 'if-none-match': ifNoneMatch } }, (res) => {
          let body = 0;
          res.on('data', (chunk: Buffer) => (body += chunk.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body }));
        });
        req.on('error', reject);
        req.end();
      });
    for (const method of ['GET', 'HEAD']) {
      for (const ifNoneMatch of [tag!, '*']) {
        expect({ method, ifNoneMatch, ...(await conditional(method, ifNoneMatch)) }).toEqual({ method, ifNoneMatch, status: 304, etag: tag, body: 0 });
      }
    }
    expect(await conditional('GET', 'W/"other"')).toMatchObject({ status: 200, body: length });
    const head = await call('/api/health', { method: 'HEAD' });
    expect({ status: head.status, length: head.headers.get('content-length') }).toEqual({ status: 200, length: String(length) });
  });

  it("labels the console's files as one route in the metrics (their names change with every build)", async () => {
    const page = await (await call('/console/')).text();
    const asset = /src="(\/console\/assets\/[^"]+\.js)"/.exec(page)?.[1];
    expect(asset).toBeDefined();
    expect((await call(asset!)).status).toBe(200);
    const metrics = await (await call('/metrics')).text();
    expect(metrics).toContain('route="/console/*"');
    expect(metrics).not.toMatch(/route="\/console\/assets\//);
  });

  it('refuses any /api/v1 path without a token with 401 problem+json, even one that does not exist', async () => {
    await expectProblem(await call('/api/v1/anything'), 401, /bearer token is required/);
    await expectProblem(await call('/api/v1/jobs'), 401);
  });

  it('refuses a bad, forged or expired token with 401', async () => {
    await expectProblem(await call('/api/v1/anything', { headers: { authorization: 'Bearer not.a.token' } }), 401, /Invalid token/);
    await expectProblem(await call('/api/v1/anything', { headers: { authorization: 'Basic abc' } }), 401);
    const [h, p] = bearer('alice', 'acme').slice(7).split('.');
    await expectProblem(await call('/api/v1/anything', { headers: { authorization: `Bearer ${h}.${p}.forgedsignature` } }), 401, /signature/);
  });

  it('lets a valid token through to routing (unknown path: 404 problem+json)', async () => {
    await expectProblem(await call('/api/v1/anything', { headers: { authorization: bearer('alice', 'acme') } }), 404);
  });

  it('answers a malformed JSON body with 400', async () => {
    const res = await call('/api/v1/anything', {
      method: 'POST',
      headers: { authorization: bearer('alice', 'acme'), 'content-type': 'application/json' },
      body: '{"type": "employees",',
    });
    await expectProblem(res, 400, /not valid JSON/);
  });

  it('answers an oversized JSON body with 413', async () => {
    const res = await call('/api/v1/anything', {
      method: 'POST',
      headers: { authorization: bearer('alice', 'acme'), 'content-type': 'application/json' },
      body: JSON.stringify({ notes: 'x'.repeat(10_000) }),
    });
    await expectProblem(res, 413, /larger than the configured limit/);
  });

  it('answers a body of another media type with 415', async () => {
    const res = await call('/api/v1/anything', {
      method: 'POST',
      headers: { authorization: bearer('alice', 'acme'), 'content-type': 'text/plain' },
      body: 'type=employees',
    });
    await expectProblem(res, 415, /application\/json/);
  });

  it('refuses NUL characters in the URL and in JSON strings with 400', async () => {
    const headers = { authorization: bearer('alice', 'acme'), 'content-type': 'application/json' };
    await expectProblem(await call('/api/v1/jobs?type=%00', { headers }), 400, /NUL/);
    await expectProblem(await call('/api/v1/exports', { method: 'POST', headers, body: '{"type":"employees\\u0000","format":"csv"}' }), 400, /NUL/);
  });

  it('refuses lone UTF-16 surrogates (stored as U+FFFD otherwise) and properties named like built-in ones (dropped without a word otherwise) with 400', async () => {
    const headers = { authorization: bearer('alice', 'acme'), 'content-type': 'application/json' };
    await expectProblem(await call('/api/v1/exports', { method: 'POST', headers, body: '{"type":"employees","format":"csv","name":"\\ud800x"}' }), 400, /lone UTF-16 surrogate/);
    await expectProblem(await call('/api/v1/imports', { method: 'POST', headers, body: '{"type":"employees","sourceName":"\\udc00"}' }), 400, /lone UTF-16 surrogate/);
    await expectProblem(
      await call('/api/v1/exports', { method: 'POST', headers, body: '{"type":"employees","format":"csv","filters":{"toString":"x"}}' }),
      400,
      /"toString" is not allowed/,
    );
    await expectProblem(await call('/api/v1/webhooks', { method: 'POST', headers, body: '{"url":"https://example.com/h","constructor":1}' }), 400, /"constructor" is not allowed/);
  });

  it('refuses JSON nested past 32 levels with 400 before validation (thousands of levels overflowed the validation pipe stack: a 500)', async () => {
    const headers = { authorization: bearer('alice', 'acme'), 'content-type': 'application/json' };
    const deep = '['.repeat(900) + ']'.repeat(900);
    await expectProblem(
      await call('/api/v1/exports', { method: 'POST', headers, body: `{"type":"employees","format":"csv","filters":{"x":${deep}}}` }),
      400,
      /deeper than 32/,
    );
    const deepObject = '{"a":'.repeat(300) + '1' + '}'.repeat(300);
    await expectProblem(await call('/api/v1/imports', { method: 'POST', headers, body: deepObject }), 400, /deeper than 32/);
  });

  it("answers what Node's HTTP parser refuses (headers too large, a malformed request) as problem+json too, then closes", async () => {
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const { port, hostname } = new URL(baseUrl);
        const socket = connect(Number(port), hostname, () => socket.write(request));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const big = await raw(`GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(big).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
    const bigProblem = JSON.parse(big.split('\r\n\r\n')[1]);
    expect(bigProblem).toMatchObject({ status: 431, title: 'Request Header Fields Too Large', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    // The same id in the header, as every other answer has it.
    expect(big).toContain(`\r\nX-Request-Id: ${bigProblem.requestId}\r\n`);
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(JSON.parse(garbage.split('\r\n\r\n')[1])).toMatchObject({ status: 400, detail: 'The request is not valid HTTP', requestId: expect.any(String) });
    // HTTP/1.1 without a Host header (Node's own refusal was an empty 400); HTTP/1.0 needs none.
    const hostless = await raw('GET /api/v1/jobs HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect(hostless).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(hostless).toMatch(/\r\ncontent-type: application\/problem\+json; charset=utf-8\r\n/i);
    expect(JSON.parse(hostless.split('\r\n\r\n')[1])).toMatchObject({ status: 400, detail: 'An HTTP/1.1 request must have a Host header', instance: '/api/v1/jobs' });
    expect(await raw('GET /api/health HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    // The server is unharmed.
    expect((await call('/api/health')).status).toBe(200);
  });

  it('gives every error its request id, inside Nest and outside it (express routing errors)', async () => {
    const headers = { authorization: bearer('alice', 'acme'), 'x-request-id': 'req-outside-nest' };
    // A malformed %-escape in a route parameter fails in express' router, before Nest's filters.
    const outside = await expectProblem(await call('/api/v1/jobs/%zz', { headers }), 400, /decode param/);
    expect(outside).toMatchObject({ requestId: 'req-outside-nest', instance: '/api/v1/jobs/%zz' });
    const inside = await expectProblem(await call('/api/v1/anything', { headers: { 'x-request-id': 'req-inside-nest' } }), 401);
    expect(inside.requestId).toBe('req-inside-nest');
    const generated = await expectProblem(await call('/api/v1/jobs/%zz', { headers: { authorization: headers.authorization } }), 400);
    expect(generated.requestId).toEqual(expect.any(String));
  });

  it('serves the OpenAPI document and browsable docs', async () => {
    const doc = (await (await call('/api/docs-json')).json()) as { openapi: string; info: { title: string } };
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBe('Porter');
    expect((await call('/api/docs')).status).toBe(200);
  });

  it('exposes Prometheus metrics with default metrics and the HTTP histogram', async () => {
    await call('/api/health');
    const text = await (await call('/metrics')).text();
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/api\/health"/);
  });

  it('logs structured JSON lines with request ids, and never the credentials a request carries', async () => {
    await call('/api/v1/anything', {
      headers: { 'x-request-id': 'req-e2e-123', authorization: 'Bearer secret-token-marker', cookie: 'porter_session=secret-cookie-marker', 'user-agent': 'e2e-agent' },
    });
    const line = await waitFor(
      () =>
        api
          .output()
          .split('\n')
          .find((l) => l.includes('req-e2e-123')),
      { what: 'the request log line' },
    );
    expect(JSON.parse(line)).toMatchObject({ req: { id: 'req-e2e-123', method: 'GET', url: '/api/v1/anything', 'user-agent': 'e2e-agent' }, res: { statusCode: 401 } });
    expect(api.output()).not.toMatch(/secret-token-marker|secret-cookie-marker/);
  });
});

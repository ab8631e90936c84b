import { randomUUID } from 'crypto';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { Pool } from 'pg';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { EXPORT_ENV, exportsClient, insertEmployees, TRICKY_EMPLOYEES, waitForExport } from '../exports/export-support';

interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  links: number;
  /** `porter.job.id` of a job run span. */
  jobId?: string;
}

/**
 * An OTLP/HTTP (JSON) receiver on 127.0.0.1 that keeps every span in memory: what a collector
 * would receive from the real API and worker processes.
 */
async function otlpReceiver(): Promise<{ server: Server; url: string; spans: CollectedSpan[]; requests: string[] }> {
  const spans: CollectedSpan[] = [];
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of body.resourceSpans ?? []) {
          const service = rs.resource?.attributes?.find((a: { key: string }) => a.key === 'service.name')?.value?.stringValue ?? '?';
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              const jobId = s.attributes?.find((a: { key: string }) => a.key === 'porter.job.id')?.value?.stringValue;
              spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name, links: (s.links ?? []).length, jobId });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, requests };
}

describe('OpenTelemetry tracing (e2e): one export request is one trace from the API to the worker', () => {
  const tenant = `t-${randomUUID()}`;
  let receiver: Awaited<ReturnType<typeof otlpReceiver>>;
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  let pool: Pool;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
    await insertEmployees(pool, tenant, TRICKY_EMPLOYEES);
    const env = { ...EXPORT_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, LOG_LEVEL: 'info' };
    api = await startApi(env);
    worker = await startWorker(env);
  });

  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
    await pool?.end();
    await new Promise((resolve) => receiver?.server.close(resolve));
  });

  it('the HTTP request, its database writes, the outbox relay, the job run with its queries and storage write share one trace id; logs carry it', async () => {
    const alice = exportsClient(api.baseUrl, bearer('alice', tenant, { admin: true }));
    const requested = await alice.request({ type: 'employees', format: 'csv' });
    expect(requested.status).toBe(202);
    const info = await waitForExport(alice, requested.json.id);
    expect(info.status).toBe('succeeded');

    const post = await waitFor(
      () => receiver.spans.find((s) => s.service === 'porter-api' && /^POST/.test(s.name) && s.parentSpanId === ''),
      { timeoutMs: 15_000, what: 'the API server span of POST /api/v1/exports' },
    );
    // This export's run: the worker may also run a job another spec left in the shared database.
    const run = await waitFor(() => receiver.spans.find((s) => s.service === 'porter-worker' && s.name === 'job.run export' && s.jobId === info.jobId), {
      timeoutMs: 15_000,
      what: 'the worker span of the export job run',
    });
    expect(run.traceId).toBe(post.traceId);
    const trace = () => receiver.spans.filter((s) => s.traceId === post.traceId);
    await waitFor(() => trace().some((s) => s.service === 'porter-worker' && s.name === 'storage.commit') || undefined, {
      timeoutMs: 15_000,
      what: 'the storage span of the export file',
    });
    // The relay that moved the wake-up to Redis: usually the API's (kicked on commit), but any
    // process's relay may take the row on its poll; its span may also reach the receiver in a
    // later export batch than the request's, so it is waited for, not assumed.
    const relay = await waitFor(() => trace().find((s) => s.name === 'outbox.relay'), { timeoutMs: 15_000, what: 'the outbox relay span' });
    expect(relay.parentSpanId).not.toBe('');
    const names = (service: string) => new Set(trace().filter((s) => s.service === service).map((s) => s.name));
    // the API: its server span and the database writes of the request
    expect([...names('porter-api')]).toEqual(expect.arrayContaining([post.name]));
    expect(trace().some((s) => s.service === 'porter-api' && /^(pg\.query|INSERT|BEGIN|COMMIT|SELECT|WITH)/.test(s.name))).toBe(true);
    // the worker: the run, its database reads and the stored file, all below the run span
    expect([...names('porter-worker')]).toEqual(expect.arrayContaining(['job.run export', 'storage.commit']));
    expect(trace().some((s) => s.service === 'porter-worker' && /^(pg\.query|INSERT|BEGIN|COMMIT|SELECT|WITH|UPDATE|COPY)/.test(s.name))).toBe(true);
    // every span of the trace hangs from another of the trace, except the root (the HTTP request)
    const ids = new Set(trace().map((s) => s.spanId));
    expect(trace().filter((s) => s.parentSpanId === '' || !ids.has(s.parentSpanId)).map((s) => s.spanId)).toEqual([post.spanId]);
    // health and metrics are not traced
    await fetch(`${api.baseUrl}/api/health/live`);
    expect(receiver.spans.some((s) => /health|metrics/.test(s.name))).toBe(false);
    expect(receiver.requests.every((r) => /^POST \/v1\/traces application\/json/.test(r))).toBe(true);
    // the worker's log lines inside the run carry the trace id
    expect(worker.output()).toContain(`"traceId":"${post.traceId}"`);
  });
});

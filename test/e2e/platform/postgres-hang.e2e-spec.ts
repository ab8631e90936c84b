import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { startApi } from '../../support/processes';
import { proxyFor } from '../../support/tcp-proxy';
import { waitFor } from '../../support/wait-for';
import { withDb } from '../imports/import-support';

/**
 * With Postgres hung (stopped, not gone: connections are accepted, open ones stay open, nothing
 * answers), requests that need the database answer 503 problem+json with Retry-After within the
 * API's bound (DATABASE_REQUEST_TIMEOUT_MS, default 5 s; 6 s for a statement that gets no answer
 * at all), not 500 and not never. Both ways a request meets the hang are covered: a statement on
 * a connection the pools already held, and a new connection that never completes. When the
 * server answers again the API serves without a restart, and the connections that were mid-query
 * during the hang neither come back into use nor commit what their requests had begun.
 */
const BOUND_MS = 15_000;

interface Answer {
  status: number;
  ms: number;
  retryAfter: string | null;
  contentType: string | null;
  body: Record<string, unknown>;
}

async function timed(request: () => Promise<Response>): Promise<Answer> {
  const started = Date.now();
  const res = await request();
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, ms: Date.now() - started, retryAfter: res.headers.get('retry-after'), contentType: res.headers.get('content-type'), body };
}

function expectOutageAnswer(answer: Answer): void {
  expect(answer).toMatchObject({ status: 503, retryAfter: '5', contentType: expect.stringMatching(/^application\/problem\+json/) });
  expect(answer.body).toMatchObject({ status: 503, title: 'Service Unavailable', requestId: expect.any(String) });
  expect(answer.ms).toBeLessThan(BOUND_MS);
}

describe('answers while Postgres hangs (e2e)', () => {
  it('answers 503 with Retry-After within a bound, leaves nothing behind, and heals by itself', async () => {
    const { proxy, url } = await proxyFor(process.env.DATABASE_URL as string, 5432);
    const { process: api, baseUrl } = await startApi({ DATABASE_URL: url });
    const tenant = `t-${randomUUID()}`;
    const headers = { authorization: bearer('ada', tenant, { admin: true }), 'content-type': 'application/json' };
    const listJobs = () => fetch(`${baseUrl}/api/v1/jobs`, { headers });
    const requestExport = (name: string) => () =>
      fetch(`${baseUrl}/api/v1/exports`, { method: 'POST', headers, body: JSON.stringify({ type: 'employees', format: 'csv', name }) });
    const ready = () => fetch(`${baseUrl}/api/health/ready`);
    try {
      // Both pools (the raw one of the job reads, the ORM's of the export request) hold open connections.
      expect((await timed(requestExport('before the hang'))).status).toBe(202);
      expect((await timed(listJobs)).status).toBe(200);

      proxy.hang();
      // Statements on connections the pools held: sent, never answered.
      const onHeldConnections = await Promise.all([timed(listJobs), timed(requestExport('during the hang')), timed(ready)]);
      // Those connections are gone now: new ones, whose start-up is never answered.
      const onNewConnections = await Promise.all([timed(listJobs), timed(requestExport('during the hang')), timed(ready)]);
      for (const [jobs, exports, readiness] of [onHeldConnections, onNewConnections]) {
        expectOutageAnswer(jobs);
        expectOutageAnswer(exports);
        expect(readiness.status).toBe(503);
        expect(readiness.ms).toBeLessThan(BOUND_MS);
      }
      expect(api.output()).not.toMatch(/KnexTimeoutError|Unhandled error/);

      // The server answers again, first with what it was sent during the hang.
      proxy.resume();
      await waitFor(async () => (await ready()).status === 200, { timeoutMs: 30_000, intervalMs: 200, what: 'the API to be ready again' });
      // More requests at once than either pool holds connections: none meets a poisoned one.
      const after = await Promise.all([
        ...Array.from({ length: 12 }, () => timed(listJobs)),
        ...Array.from({ length: 12 }, (_, i) => timed(requestExport(`after the hang ${i}`))),
      ]);
      expect(after.map((a) => a.status)).toEqual([...Array(12).fill(200), ...Array(12).fill(202)]);
      const listed = await timed(listJobs);
      expect(listed.status).toBe(200);

      const names = await withDb(async (db) =>
        (await db.query<{ name: string }>(`SELECT name FROM exports.export_request WHERE tenant = $1 ORDER BY name`, [tenant])).rows.map((r) => r.name),
      );
      expect(names).not.toContain('during the hang');
      expect(names).toHaveLength(13);
      expect(api.child.exitCode).toBeNull();
    } finally {
      await api.stop('SIGTERM', 15_000);
      await proxy.close();
    }
  });
});

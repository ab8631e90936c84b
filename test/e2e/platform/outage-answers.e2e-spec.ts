import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { startApi } from '../../support/processes';
import { proxyFor } from '../../support/tcp-proxy';
import { withDb } from '../imports/import-support';

/**
 * With Postgres gone (the API's only way to it is a TCP forwarder the test cuts: new connections
 * refused, open ones dropped, as when the server stops), requests that need the database answer
 * 503 problem+json with Retry-After, not 500, and a refused request leaves nothing behind.
 */
describe('answers during a database outage (e2e)', () => {
  it('answers 503 with Retry-After for reads and writes, creates nothing, and heals without a restart', async () => {
    const { proxy, url } = await proxyFor(process.env.DATABASE_URL as string, 5432);
    const { process: api, baseUrl } = await startApi({ DATABASE_URL: url });
    const tenant = `t-${randomUUID()}`;
    const headers = { authorization: bearer('ada', tenant, { admin: true }), 'content-type': 'application/json' };
    try {
      const before = await fetch(`${baseUrl}/api/v1/exports`, { method: 'POST', headers, body: JSON.stringify({ type: 'employees', format: 'csv' }) });
      expect(before.status).toBe(202);
      const { jobId } = (await before.json()) as { jobId: string };

      await proxy.cut();
      const answers = [
        await fetch(`${baseUrl}/api/v1/jobs/${jobId}`, { headers }),
        await fetch(`${baseUrl}/api/v1/exports`, { method: 'POST', headers, body: JSON.stringify({ type: 'employees', format: 'csv', name: 'during the outage' }) }),
        await fetch(`${baseUrl}/api/v1/jobs`, { headers }),
      ];
      for (const res of answers) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('5');
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await res.json()).toMatchObject({ status: 503, title: 'Service Unavailable', requestId: expect.any(String) });
      }

      await proxy.restore();
      const healed = await fetch(`${baseUrl}/api/v1/jobs/${jobId}`, { headers });
      expect(healed.status).toBe(200);
      const left = await withDb(async (db) =>
        (await db.query(`SELECT count(*)::int AS n FROM exports.export_request WHERE tenant = $1 AND name = 'during the outage'`, [tenant])).rows[0].n,
      );
      expect(left).toBe(0);
      expect(api.child.exitCode).toBeNull();
    } finally {
      await api.stop('SIGTERM', 15_000);
      await proxy.close();
    }
  });
});

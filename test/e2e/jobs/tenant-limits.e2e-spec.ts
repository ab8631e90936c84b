import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';
import { client, JOB_ENV } from './job-support';

/** GET|PUT /api/v1/job-queue/tenants/{tenant}/limits and the 429 of maxPendingJobs, through the real API. */
describe('tenant limits over HTTP (e2e)', () => {
  let api: { process: PorterProcess; baseUrl: string };
  const tenant = `t-${randomUUID()}`;
  const path = `/api/v1/job-queue/tenants/${tenant}/limits`;

  beforeAll(async () => {
    api = await startApi({ ...JOB_ENV, JOB_TENANT_MAX_PENDING_JOBS: '1000' });
  });
  afterAll(async () => {
    await api?.process.stop();
  });

  it('operators read and set limits; the defaults come from configuration; bad values are 400 naming the field; others get 403', async () => {
    const ops = client(api.baseUrl, bearer('ops', 'platform', { operator: true }));
    const read = await ops.call('GET', path);
    expect(read).toMatchObject({
      status: 200,
      json: { tenant, maxConcurrentJobs: 0, maxPendingJobs: 1000, overrides: { maxConcurrentJobs: null, maxPendingJobs: null }, defaults: { maxConcurrentJobs: 0, maxPendingJobs: 1000 } },
    });
    const put = await ops.call('PUT', path, { maxConcurrentJobs: 2, maxPendingJobs: 2 });
    expect(put).toMatchObject({ status: 200, json: { maxConcurrentJobs: 2, maxPendingJobs: 2, overrides: { maxConcurrentJobs: 2, maxPendingJobs: 2 } } });
    expect((await ops.call('PUT', path, { maxConcurrentJobs: null })).json).toMatchObject({ maxConcurrentJobs: 0, maxPendingJobs: 2 });

    for (const [body, field] of [
      [{ maxPendingJobs: -1 }, 'maxPendingJobs'],
      [{ maxConcurrentJobs: 1e9 }, 'maxConcurrentJobs'],
      [{ maxConcurrentJobs: 'many' }, 'maxConcurrentJobs'],
      [{ burst: 1 }, 'burst'],
    ] as const) {
      const bad = await ops.call('PUT', path, body);
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(bad.json.errors.map((e: { path: string }) => e.path)).toContain(field);
    }

    // Every tenant a token may carry can be limited, however it is spelled (URL-encoded in the
    // path); what no token may carry is a 422 naming the tenant.
    for (const odd of ['*', '%', 'acme corp', 'ü'.repeat(200)]) {
      const set = await ops.call('PUT', `/api/v1/job-queue/tenants/${encodeURIComponent(odd)}/limits`, { maxPendingJobs: 7 });
      expect(set).toMatchObject({ status: 200, json: { tenant: odd, maxPendingJobs: 7 } });
    }
    for (const [odd, message] of [
      ['t\u202e1', 'must not contain bidirectional-text controls'],
      ['t'.repeat(201), 'must be at most 200 characters'],
    ] as const) {
      const refused = await ops.call('GET', `/api/v1/job-queue/tenants/${encodeURIComponent(odd)}/limits`);
      expect(refused.status).toBe(422);
      expect(refused.json.errors).toEqual([{ path: 'tenant', message }]);
    }

    const tenantAdmin = client(api.baseUrl, bearer('root', tenant, { admin: true }));
    expect((await tenantAdmin.call('GET', path)).status).toBe(403);
    expect((await tenantAdmin.call('PUT', path, { maxPendingJobs: 100 })).status).toBe(403);
    expect((await ops.call('GET', path)).json.maxPendingJobs).toBe(2);
  });

  it('a submission beyond maxPendingJobs answers 429 problem+json with Retry-After and creates nothing', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const later = { scheduledFor: new Date(Date.now() + 3600_000).toISOString() };
    await alice.submit('porter-test.noop', {}, later);
    await alice.submit('porter-test.noop', {}, later);
    const refused = await alice.call('POST', '/api/v1/job-queue/testing/jobs', { type: 'porter-test.noop', payload: {}, ...later });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('10');
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(refused.json).toMatchObject({ status: 429, detail: expect.stringContaining('maxPendingJobs') });
    const listed = await alice.call('GET', '/api/v1/jobs?limit=10');
    expect(listed.json.totalRecords).toBe(2);
  });
});

import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';
import { client, JOB_ENV } from './job-support';

/** The jobs list's `query=` language and the submitter fields, through the real API process. */
describe('GET /api/v1/jobs?query=', () => {
  let api: { process: PorterProcess; baseUrl: string };
  const tenant = `t-${randomUUID()}`;
  const admin = () => client(api.baseUrl, bearer('root', tenant, { admin: true }));
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // No worker: the jobs stay pending, so the test decides every field the query reads.
    api = await startApi(JOB_ENV);
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const robot = client(api.baseUrl, bearer('billing-sync', tenant, { app: true, admin: true }));
    ids.report = await alice.submit('porter-test.steps', {}, { name: 'Monthly report' });
    ids.notes = await alice.submit('porter-test.noop', {}, { name: 'notes 100%_done' });
    ids.app = await robot.submit('porter-test.noop', {}, { name: 'Monthly sync' });
    ids.other = await client(api.baseUrl, bearer('alice', `t-${randomUUID()}`)).submit('porter-test.noop', {}, { name: 'Monthly elsewhere' });
  });
  afterAll(async () => {
    await api?.process.stop();
  });

  const names = async (query: string, extra = '') => {
    const res = await admin().call('GET', `/api/v1/jobs?limit=50&query=${encodeURIComponent(query)}${extra}`);
    expect(res.status).toBe(200);
    return { names: res.json.items.map((j: { name: string }) => j.name), total: res.json.totalRecords };
  };

  it('shows the submitter kind, the roles held at submission and updatedAt on every job', async () => {
    const job = (await admin().call('GET', `/api/v1/jobs/${ids.app}`)).json;
    expect(job).toMatchObject({ submittedBy: 'billing-sync', submitterKind: 'app', submitterRoles: ['admin'] });
    expect(Date.parse(job.updatedAt)).toBeGreaterThanOrEqual(Date.parse(job.submittedAt));
    expect((await admin().call('GET', `/api/v1/jobs/${ids.report}`)).json).toMatchObject({ submitterKind: 'user', submitterRoles: [] });
  });

  it('advances updatedAt when the job changes (a rename), and not when it is only read', async () => {
    // A tenant of its own: the other tests count this tenant's jobs.
    const owner = client(api.baseUrl, bearer('zoe', `t-${randomUUID()}`, { admin: true }));
    const id = await owner.submit('porter-test.noop', {}, { name: 'to rename' });
    const before = (await owner.call('GET', `/api/v1/jobs/${id}`)).json;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await owner.call('GET', `/api/v1/jobs/${id}`)).json.updatedAt).toBe(before.updatedAt);
    const renamed = await owner.call('PATCH', `/api/v1/jobs/${id}`, { name: 'renamed' });
    expect(renamed.status).toBe(200);
    expect(renamed.json.name).toBe('renamed');
    expect(Date.parse(renamed.json.updatedAt)).toBeGreaterThan(Date.parse(before.updatedAt));
    const after = (await owner.call('GET', `/api/v1/jobs/${id}`)).json;
    expect(after.updatedAt).toBe(renamed.json.updatedAt);
    expect(after.submittedAt).toBe(before.submittedAt);
  });

  it('filters by equality, difference, prefix and submitter kind, within the caller tenant only', async () => {
    expect((await names('name==Monthly* sortBy name')).names).toEqual(['Monthly report', 'Monthly sync']);
    expect((await names('name=="Monthly report"')).names).toEqual(['Monthly report']);
    expect((await names('type==porter-test.noop and submitterKind<>app')).names).toEqual(['notes 100%_done']);
    expect((await names('submitterKind==app')).names).toEqual(['Monthly sync']);
    expect((await names('type<>porter-test.* ')).total).toBe(0);
    expect((await names('status==pending and submittedBy==alice sortBy name/desc')).names).toEqual(['notes 100%_done', 'Monthly report']);
    // LIKE's own wildcards in a value are literal characters.
    expect((await names('name=="notes 100%_*"')).names).toEqual(['notes 100%_done']);
    expect((await names('name=="notes 1_0*"')).names).toEqual([]);
  });

  it('lets a non-admin query only its own jobs, and keeps paging and totalRecords', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const res = await alice.call('GET', `/api/v1/jobs?limit=1&offset=1&query=${encodeURIComponent('name==* sortBy name/asc')}`);
    expect(res.json).toMatchObject({ totalRecords: 2, items: [{ name: 'notes 100%_done' }] });
  });

  it.each([
    ["status==failed'; DROP TABLE job_queue.job; --", 'unknown status'],
    ['name==x or 1==1', 'expected "and" or "sortBy"'],
    ['name==x sortBy (SELECT 1)', 'unexpected character "("'],
    ['type==a*b', 'wildcard'],
    ['status=failed', 'unknown operator'],
  ])('answers 400 naming the position for %j, and the table is untouched', async (query, reason) => {
    const res = await admin().call('GET', `/api/v1/jobs?query=${encodeURIComponent(query)}`);
    expect(res.status).toBe(400);
    expect(res.json.detail).toContain(reason);
    expect(res.json.errors).toEqual([{ path: 'query', message: expect.stringMatching(/at position \d+$/) }]);
    expect((await names('name==Monthly*')).total).toBe(2);
  });

  it('treats SQL text inside values as plain data', async () => {
    for (const value of [`x' OR '1'='1`, `"; SELECT pg_sleep(5); --`, '\\', '%', `name==x`]) {
      const quoted = `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
      expect(await names(`name==${quoted}`)).toEqual({ names: [], total: 0 });
    }
  });

  it('names one clear rule per bad field (offset=abc is "must be an integer number", not also its bounds)', async () => {
    const res = await admin().call('GET', '/api/v1/jobs?offset=abc&limit=0');
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual([
      { path: 'offset', message: 'offset must be an integer number' },
      { path: 'limit', message: 'limit must not be less than 1' },
    ]);
  });

  it('refuses a query longer than 1000 characters (400)', async () => {
    expect((await admin().call('GET', `/api/v1/jobs?query=${'x'.repeat(1001)}`)).status).toBe(400);
  });
});

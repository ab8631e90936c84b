import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi, startWorker } from '../../support/processes';
import { client, JOB_ENV, waitForJob } from './job-support';

describe('jobs REST API against real api and worker processes', () => {
  let api: { process: PorterProcess; baseUrl: string };
  let worker: PorterProcess;
  const tenant = `t-${randomUUID()}`;

  beforeAll(async () => {
    [api, worker] = await Promise.all([startApi(JOB_ENV), startWorker(JOB_ENV)]);
  });
  afterAll(async () => {
    await Promise.all([api?.process.stop(), worker?.stop()]);
  });

  it('serves the porter-test.* submit endpoint (PORTER_ENABLE_TEST_JOB_TYPES=1) but leaves it out of the OpenAPI document', async () => {
    const doc = (await (await fetch(`${api.baseUrl}/api/docs-json`)).json()) as { paths: Record<string, unknown> };
    expect(doc.paths['/api/v1/jobs/{id}']).toBeDefined();
    expect(Object.keys(doc.paths).filter((path) => path.includes('/testing'))).toEqual([]);
    const refused = await client(api.baseUrl, bearer('alice', tenant)).call('POST', '/api/v1/job-queue/testing/jobs', { type: 'export' });
    expect(refused.status).toBe(400); // mounted: the request reached its validation
  });

  it('submit → run → succeeded with progress, events and an output file readable through the API', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const id = await alice.submit('porter-test.steps', { steps: 5, stepMs: 20, fileName: 'résumé report.csv' }, { name: 'five steps' });
    const job = await waitForJob(alice, id, (j) => j.status === 'succeeded', 'the job to succeed');
    expect(job).toMatchObject({
      name: 'five steps',
      attempts: 1,
      position: null,
      progress: { processed: 5, total: 5, percent: 100 },
      outputFiles: ['résumé report.csv'],
      outputInformation: { steps: 5, attempt: 1 },
      submittedBy: 'alice',
      tenant,
    });
    const files = await alice.call('GET', `/api/v1/jobs/${id}/files`);
    expect(files.status).toBe(200);
    expect(files.json).toEqual([expect.objectContaining({ name: 'résumé report.csv', contentType: 'text/csv', sizeBytes: 35 })]);
    expect(files.json[0].storageKey).toBeUndefined();
    const download = await alice.call('GET', `/api/v1/jobs/${id}/files/${encodeURIComponent('résumé report.csv')}`);
    expect(download.status).toBe(200);
    expect(download.text).toBe('step,1\nstep,2\nstep,3\nstep,4\nstep,5\n');
    expect(download.headers.get('content-type')).toContain('text/csv');
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="r_sum_ report.csv"; filename*=UTF-8''${encodeURIComponent('résumé report.csv')}`,
    );
    expect((await alice.call('GET', `/api/v1/jobs/${id}/files/nope.csv`)).status).toBe(404);
    expect((await alice.events(id)).map((e) => e.type)).toEqual(['submitted', 'started', 'succeeded']);
    const list = await alice.call('GET', `/api/v1/jobs?status=succeeded&type=porter-test.steps&limit=5`);
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({ totalRecords: 1, items: [{ id }] });
    expect((await alice.call('GET', '/api/v1/jobs?status=nonsense')).status).toBe(400);
    expect((await alice.call('GET', '/api/v1/jobs?limit=5000')).status).toBe(400);
    // Integers JS prints in exponent form would reach SQL as "1e+21": refused before that.
    expect((await alice.call('GET', '/api/v1/jobs?offset=1e21')).status).toBe(400);
    expect((await alice.call('GET', '/api/v1/jobs?offset=9007199254740991')).json).toMatchObject({ items: [] });
  });

  it('lists jobs newest first, oldest first with sort=oldest, and refuses another sort (400)', async () => {
    const carol = client(api.baseUrl, bearer('carol', `t-${randomUUID()}`));
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await carol.submit('porter-test.noop', {}));
    const newest = (await carol.call('GET', '/api/v1/jobs?limit=10')).json;
    const oldest = (await carol.call('GET', '/api/v1/jobs?limit=10&sort=oldest')).json;
    const submitted = (items: Array<{ submittedAt: string }>) => items.map((j) => Date.parse(j.submittedAt));
    expect(new Set(newest.items.map((j: { id: string }) => j.id))).toEqual(new Set(ids));
    expect(submitted(newest.items)).toEqual(submitted(newest.items).sort((a, b) => b - a));
    expect(oldest.items.map((j: { id: string }) => j.id)).toEqual(newest.items.map((j: { id: string }) => j.id).reverse());
    expect((await carol.call('GET', '/api/v1/jobs?sort=submittedAt')).status).toBe(400);
  });

  it('retries a failing job and succeeds; renames; cancels pending; deletes terminal jobs', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const flaky = await alice.submit('porter-test.steps', { steps: 1, stepMs: 1, failAttempts: 1 });
    const done = await waitForJob(alice, flaky, (j) => j.status === 'succeeded', 'the flaky job to succeed');
    expect(done.attempts).toBe(2);
    expect((await alice.events(flaky)).map((e) => e.type)).toEqual(['submitted', 'started', 'retrying', 'started', 'succeeded']);

    const later = await alice.submit('porter-test.noop', {}, { scheduledFor: new Date(Date.now() + 3600_000).toISOString() });
    const renamed = await alice.call('PATCH', `/api/v1/jobs/${later}`, { name: 'nightly', description: 'runs later' });
    expect(renamed.json).toMatchObject({ status: 'scheduled', name: 'nightly', description: 'runs later' });
    expect((await alice.call('PATCH', `/api/v1/jobs/${later}`, { scheduledFor: 'tomorrow' })).status).toBe(400);
    // A time without its zone would be read in the server's zone: refused, saying how to write one.
    for (const noZone of ['2030-01-01T00:00:00', '2030-01-01']) {
      const refused = await alice.call('PATCH', `/api/v1/jobs/${later}`, { scheduledFor: noZone });
      expect(refused.status).toBe(400);
      expect(refused.json.errors).toEqual([{ path: 'scheduledFor', message: expect.stringMatching(/^scheduledFor must be a date and time with its zone, such as 2030-01-31T22:00:00Z/) }]);
    }
    expect((await alice.call('PATCH', `/api/v1/jobs/${later}`, { colour: 'red' })).status).toBe(400);
    const spoofed = await alice.call('PATCH', `/api/v1/jobs/${later}`, { name: 'report\u202efdp.exe' });
    expect(spoofed.status).toBe(422);
    expect(spoofed.json.errors).toEqual([{ path: 'name', message: 'must not contain bidirectional-text controls' }]);
    const cancelled = await alice.call('POST', `/api/v1/jobs/${later}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ status: 'cancelled' });
    expect((await alice.call('POST', `/api/v1/jobs/${later}/cancel`)).status).toBe(409);

    const retried = await alice.call('POST', `/api/v1/jobs/${later}/retry`);
    expect(retried.status).toBe(200);
    await waitForJob(alice, later, (j) => j.status === 'succeeded', 'the retried job to succeed');
    expect((await alice.call('DELETE', `/api/v1/jobs/${flaky}`)).status).toBe(204);
    expect((await alice.job(flaky)).status).toBe('deleted');
    const list = await alice.call('GET', '/api/v1/jobs');
    expect(list.json.items.map((j: { id: string }) => j.id)).not.toContain(flaky);
  });

  it('cancels a running job: cancelling, then cancelled without its partial output', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const id = await alice.submit('porter-test.steps', { steps: 300, stepMs: 50, partialFileName: 'partial.txt' });
    await waitForJob(alice, id, (j) => j.status === 'running' && j.outputFiles.length === 1, 'the job to run with partial output');
    const res = await alice.call('POST', `/api/v1/jobs/${id}/cancel`);
    expect(res.json.status).toBe('cancelling');
    const job = await waitForJob(alice, id, (j) => j.status === 'cancelled', 'the job to be cancelled');
    expect(job.outputFiles).toEqual([]);
    expect((await alice.call('GET', `/api/v1/jobs/${id}/files/partial.txt`)).status).toBe(404);
  });

  it('answers 404 on every endpoint for another tenant\'s job, even to its admin', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const id = await alice.submit('porter-test.steps', { steps: 1, stepMs: 1, fileName: 'x.csv' });
    await waitForJob(alice, id, (j) => j.status === 'succeeded', 'the job to succeed');
    const stranger = client(api.baseUrl, bearer('root', `other-${tenant}`, { admin: true }));
    const calls: Array<[string, string, unknown?]> = [
      ['GET', `/api/v1/jobs/${id}`],
      ['PATCH', `/api/v1/jobs/${id}`, { name: 'mine now' }],
      ['POST', `/api/v1/jobs/${id}/cancel`],
      ['POST', `/api/v1/jobs/${id}/retry`],
      ['POST', `/api/v1/jobs/${id}/move-to-top`],
      ['DELETE', `/api/v1/jobs/${id}`],
      ['GET', `/api/v1/jobs/${id}/events`],
      ['GET', `/api/v1/jobs/${id}/files`],
      ['GET', `/api/v1/jobs/${id}/files/x.csv`],
    ];
    for (const [method, path, body] of calls) {
      const res = await stranger.call(method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await stranger.call('GET', '/api/v1/jobs')).json.totalRecords).toBe(0);
    expect((await alice.job(id)).status).toBe('succeeded');
  });

  it('lets a non-admin see only its own jobs and refuses it move-to-top (403); an admin cannot move a scheduled job (409)', async () => {
    const t = `t-${randomUUID()}`;
    const alice = client(api.baseUrl, bearer('alice', t));
    const bob = client(api.baseUrl, bearer('bob', t));
    const admin = client(api.baseUrl, bearer('root', t, { admin: true }));
    const future = new Date(Date.now() + 3600_000).toISOString();
    const aliceJob = await alice.submit('porter-test.noop', {}, { scheduledFor: future });
    const bobJob = await bob.submit('porter-test.noop', {}, { scheduledFor: future });
    expect((await alice.call('GET', `/api/v1/jobs/${bobJob}`)).status).toBe(404);
    expect((await alice.call('GET', '/api/v1/jobs')).json.items.map((j: { id: string }) => j.id)).toEqual([aliceJob]);
    expect((await alice.call('GET', '/api/v1/jobs?submittedBy=bob')).json.totalRecords).toBe(0);
    expect((await admin.call('GET', '/api/v1/jobs')).json.totalRecords).toBe(2);

    // The role is checked before the state: a non-admin is refused whatever the job's status.
    const denied = await alice.call('POST', `/api/v1/jobs/${aliceJob}/move-to-top`);
    expect(denied.status).toBe(403);
    expect(denied.json.detail).toBe('Only an admin may move a job to the top of the queue');
    const scheduled = await admin.call('POST', `/api/v1/jobs/${bobJob}/move-to-top`);
    expect(scheduled.status).toBe(409); // scheduled, not pending
  });

  it('serves the queue configuration and the operator-only dashboard', async () => {
    const alice = client(api.baseUrl, bearer('alice', tenant));
    const config = await alice.call('GET', '/api/v1/job-queue/configuration');
    expect(config.status).toBe(200);
    expect(config.json).toEqual({ concurrency: 4, pollingIntervalMs: 200, purgeJobAgeMs: 30 * 24 * 3600 * 1000, purgeIntervalMs: 3600 * 1000 });
    expect((await fetch(`${api.baseUrl}/admin/queues`)).status).toBe(401);
    expect((await alice.call('GET', '/admin/queues')).status).toBe(403);
    // A tenant admin rules over one tenant; the dashboard shows and acts on every tenant's messages.
    const admin = client(api.baseUrl, bearer('root', tenant, { admin: true }));
    expect((await admin.call('GET', '/admin/queues')).status).toBe(403);
    expect((await admin.call('GET', '/admin/queues/api/queues')).status).toBe(403);
    const operator = client(api.baseUrl, bearer('ops', tenant, { operator: true }));
    const board = await operator.call('GET', '/admin/queues');
    expect(board.status).toBe(200);
    expect(board.text).toContain('<html');
    const queues = await operator.call('GET', '/admin/queues/api/queues');
    expect(queues.status).toBe(200);
    expect(JSON.stringify(queues.json)).toContain('porter-jobs');
    expect((await alice.call('GET', '/admin/queues/api/queues')).status).toBe(403);
    // Malformed percent-encoding: a 400 problem before the dashboard (it answered its own 500).
    const malformed = await operator.call('GET', '/admin/queues/api/queues?activeQueue=%ZZ');
    expect([malformed.status, malformed.headers.get('content-type')]).toEqual([400, expect.stringMatching(/^application\/problem\+json/)]);
  });
});

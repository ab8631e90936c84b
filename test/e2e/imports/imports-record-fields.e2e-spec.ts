import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';
import { IMPORT_ENV, importsClient } from './import-support';

/** Destiny's record fields on POST /imports: `searchedAt` is stored and returned, bad values are 400s. */
describe('import record fields (e2e)', () => {
  let api: { process: PorterProcess; baseUrl: string };
  beforeAll(async () => {
    api = await startApi(IMPORT_ENV);
  });
  afterAll(async () => {
    await api?.process.stop();
  });
  const create = (body: Record<string, unknown>) =>
    importsClient(api.baseUrl, bearer('alice', `t-${randomUUID()}`)).call('POST', '/api/v1/imports', {
      type: 'employees',
      sourceName: 'openalex',
      expectedReferenceCount: -1,
      ...body,
    });

  it('stores searchedAt and returns it on the record, its read and its list', async () => {
    const tenant = `t-${randomUUID()}`;
    const c = importsClient(api.baseUrl, bearer('alice', tenant));
    const created = await c.call('POST', '/api/v1/imports', {
      type: 'employees',
      sourceName: 'openalex',
      searchString: 'title:porter',
      searchedAt: '2026-11-30T08:00:00+01:00',
      expectedReferenceCount: 12,
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ searchString: 'title:porter', searchedAt: '2026-11-30T07:00:00.000Z' });
    expect((await c.call('GET', `/api/v1/imports/${created.json.id}`)).json.searchedAt).toBe('2026-11-30T07:00:00.000Z');
    expect((await c.call('GET', '/api/v1/imports')).json.items[0].searchedAt).toBe('2026-11-30T07:00:00.000Z');
    expect((await create({})).json.searchedAt).toBeNull();
  });

  it.each([
    ['a number', 1732953600],
    ['an empty string', ''],
    ['a date without time zone rules', '2026-13-45T99:00:00Z'],
    ['free text', "yesterday'; DROP TABLE imports.import_record; --"],
    ['a huge string', '2026-11-30T08:00:00Z'.repeat(5000)],
    ['an object', { at: '2026-11-30' }],
  ])('refuses searchedAt as %s with 400 naming the field', async (_what, value) => {
    const res = await create({ searchedAt: value });
    expect(res.status).toBe(400);
    expect(res.json.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'searchedAt' })]));
  });

  it('refuses a searchedAt in the future with 422 naming the field', async () => {
    const res = await create({ searchedAt: new Date(Date.now() + 86_400_000).toISOString() });
    expect(res.status).toBe(422);
    expect(res.json.errors).toEqual([{ path: 'searchedAt', message: 'must be a valid time, not in the future' }]);
  });
});

/** Text people give things and others read: no control characters, no bidirectional-text controls (as job names). */
describe('names and notes that display as something else (e2e)', () => {
  let api: { process: PorterProcess; baseUrl: string };
  beforeAll(async () => {
    api = await startApi({ ...IMPORT_ENV, WEBHOOK_ALLOWED_HOSTS: '127.0.0.1:*' });
  });
  afterAll(async () => {
    await api?.process.stop();
  });

  it('refuses them (400 naming the field) in an import record, a webhook and a schedule; plain text and notes of several lines pass', async () => {
    const c = importsClient(api.baseUrl, bearer('ada', `t-${randomUUID()}`, { admin: true }));
    const record = { type: 'employees', sourceName: 'HR system', expectedReferenceCount: -1 };
    const spoofed = await c.call('POST', '/api/v1/imports', { ...record, sourceName: 'invoices\u202efdp.exe' });
    expect(spoofed.status).toBe(400);
    expect(spoofed.json.errors).toEqual([{ path: 'sourceName', message: 'sourceName must not contain control characters or bidirectional-text controls' }]);
    expect((await c.call('POST', '/api/v1/imports', { ...record, notes: 'bell\u0007' })).json.errors).toEqual([
      { path: 'notes', message: 'notes must not contain control characters (other than tab and line breaks) or bidirectional-text controls' },
    ]);
    expect((await c.call('POST', '/api/v1/imports', { ...record, notes: 'line one\nline two\ttabbed' })).status).toBe(201);

    const hook = await c.call('POST', '/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'], description: 'ops \u2066alerts' });
    expect(hook.status).toBe(400);
    expect(hook.json.errors).toEqual([expect.objectContaining({ path: 'description' })]);

    const schedule = await c.call('POST', '/api/v1/export-schedules', { type: 'employees', format: 'csv', cron: '0 6 * * *', timezone: 'UTC', name: 'weekly\u202e' });
    expect(schedule.status).toBe(400);
    expect(schedule.json.errors).toEqual([expect.objectContaining({ path: 'name' })]);
  });
});

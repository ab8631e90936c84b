import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';
import { exportsClient } from '../exports/export-support';

const SCHEDULES = '/api/v1/export-schedules';

/**
 * POST /api/v1/export-schedules reports every problem of a body in one 400 (docs/exports.md,
 * "Recurring exports"): the body's shape (compression, columns not an array, unknown fields), the
 * cron and zone, and what the exports module refuses (type, format, filters, columns) together.
 */
describe('recurring exports: all problems at once (e2e)', () => {
  const tenant = `t-${randomUUID()}`;
  let api: PorterProcess;
  let baseUrl: string;

  beforeAll(async () => {
    const started = await startApi();
    api = started.process;
    baseUrl = started.baseUrl;
  });
  afterAll(async () => {
    await api?.stop();
  });

  const problems = async (body: unknown): Promise<Array<{ path: string; message: string }>> => {
    const res = await exportsClient(baseUrl, bearer('ada', tenant, { admin: true })).call('POST', SCHEDULES, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    return res.json.errors;
  };
  const paths = async (body: unknown) => (await problems(body)).map((e) => e.path).sort();
  const everythingWrong = { type: 'employees', format: 'pdf', cron: 'x', timezone: 'Nope/X', filters: { active: 'yes' }, columns: ['zz'] };

  it('names every bad field of the body in one answer, whichever check finds it', async () => {
    expect(await paths({ ...everythingWrong, compression: 'bz2' })).toEqual(['columns.0', 'compression', 'cron', 'filters.active', 'format', 'timezone']);
    expect(await paths(everythingWrong)).toEqual(['columns.0', 'cron', 'filters.active', 'format', 'timezone']);
    expect(await paths({ ...everythingWrong, columns: 'id' })).toEqual(['columns', 'cron', 'filters.active', 'format', 'timezone']);
    expect(await paths({ type: 'employees', format: 'csv', cron: '0 6 * * *', timezone: 'UTC', columns: ['zz'] })).toEqual(['columns.0']);
  });

  it('gives each field one problem, with the words of the check that found it', async () => {
    const errors = await problems({ ...everythingWrong, columns: ['email', 'zz'], compression: 'bz2' });
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: 'compression', message: expect.stringMatching(/none, gzip/) },
        { path: 'timezone', message: expect.stringMatching(/unknown time zone "Nope\/X"/) },
        { path: 'cron', message: expect.stringMatching(/five fields/) },
        { path: 'format', message: expect.stringMatching(/csv, xlsx, jsonl/) },
        { path: 'filters.active', message: expect.stringMatching(/boolean/) },
        { path: 'columns.1', message: expect.stringMatching(/unknown column "zz"/) },
      ]),
    );
    expect(errors).toHaveLength(6);
    // gzip with a format that is not offered: the shape is checked as for a format the type has, not as XLSX.
    expect(await paths({ ...everythingWrong, columns: undefined, compression: 'gzip' })).toEqual(['cron', 'filters.active', 'format', 'timezone']);
    expect(await paths({ type: 'employees', format: 'xlsx', cron: 'x', timezone: 'UTC', columns: ['zz'], compression: 'gzip' })).toEqual(['columns.0', 'compression', 'cron']);
  });

  it('reports a missing or mistyped field once, with unknown properties and the other checks', async () => {
    expect(await paths({ type: 'nope', format: 'csv', cron: 5, extra: 1 })).toEqual(['cron', 'extra', 'timezone', 'type']);
    const errors = await problems({ format: 'csv', timezone: 'UTC', cron: '0 6 * * *', enabled: 'yes', filters: { active: 'yes' } });
    expect(errors.map((e) => e.path).sort()).toEqual(['enabled', 'type']);
    // An array is not a body with its fields missing: it is not an object at all.
    const array = await exportsClient(baseUrl, bearer('ada', tenant, { admin: true })).call('POST', SCHEDULES, [1]);
    expect(array.status).toBe(400);
    expect(array.json.detail).toBe('The request body must be a JSON object, not an array');
  });
});

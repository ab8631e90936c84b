import { porterInProcess, SeenRequest } from '../../../../test/cli/porter-in-process';
import { ExportSchedule, runWithoutExportLine, scheduleLines, schedulesTable, ScheduleRun, tickLine } from './schedules';

const schedule = (over: Partial<ExportSchedule> = {}): ExportSchedule => ({
  id: 's1', name: 'weekday staff list', type: 'employees', format: 'csv', filters: {}, scopeIds: [], columns: null, compression: 'none',
  cron: '0 6 * * 1-5', timezone: 'Europe/Berlin', enabled: true, nextRunAt: '2026-12-07T05:00:00.000Z', lastRunAt: null, lastExportId: null,
  createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z', createdBy: 'ada', createdByKind: 'user', ownerRevokedAt: null, ownerRevokedReason: null,
  ...over,
});
const run = (over: Partial<ScheduleRun> = {}, runOver: Partial<ScheduleRun['run']> = {}): ScheduleRun => ({
  id: 'e1', jobId: 'j1', type: 'employees', format: 'csv', status: 'succeeded', itemsCount: 12, errorMessage: null, result: { fileName: 'employees-2026-12-07-e1.csv', sizeBytes: 10 },
  ...over,
  run: { id: 'r1', tickAt: '2026-12-07T05:00:00.000Z', trigger: 'manual', status: 'requested', exportId: 'e1', error: null, missedTicks: 0, ...runOver },
});

describe('porter schedules: what it prints', () => {
  it('ls: a row per schedule with its state, format (and compression) and next run; a paused one has none', () => {
    expect(schedulesTable([schedule(), schedule({ id: 's22', name: null, enabled: false, nextRunAt: null, compression: 'gzip', cron: '@daily', timezone: 'UTC' })])).toEqual([
      'ID   NAME                TYPE       FORMAT      CRON         TIMEZONE       STATE    NEXT RUN',
      's1   weekday staff list  employees  csv         0 6 * * 1-5  Europe/Berlin  enabled  2026-12-07 05:00:00Z',
      's22                      employees  csv (gzip)  @daily       UTC            paused   -',
    ]);
  });

  it('a tick in UTC with the wall clock of the zone the cron is read in', () => {
    expect(tickLine('2026-12-07T05:00:00.000Z', 'Europe/Berlin')).toBe('2026-12-07 05:00:00Z (2026-12-07 06:00 Europe/Berlin)');
    expect(tickLine('2026-07-07T05:00:00.000Z', 'Europe/Berlin')).toBe('2026-07-07 05:00:00Z (2026-07-07 07:00 Europe/Berlin)');
    expect(tickLine('2026-12-07T05:00:00.000Z', 'Not/AZone')).toBe('2026-12-07 05:00:00Z');
  });

  it('show: the export it makes, its cron, the next runs, and the latest runs (a failed one with its reason)', () => {
    const next = ['2026-12-07T05:00:00.000Z', '2026-12-08T05:00:00.000Z'];
    const runs = { items: [run(), run({ id: null, jobId: null, status: 'failed', errorMessage: 'type employees is global: admins only', itemsCount: null, result: null }, { trigger: 'cron', status: 'failed', exportId: null })], totalRecords: 5 };
    expect(scheduleLines(schedule({ nextRuns: next, filters: { department: 'Sales', active: true }, columns: ['email', 'last_name'] }), runs)).toEqual([
      's1  "weekday staff list"',
      'export     employees csv',
      'columns    email, last_name',
      'filters    department=Sales, active=true',
      'cron       0 6 * * 1-5 in Europe/Berlin',
      'state      enabled',
      'next runs  2026-12-07 05:00:00Z (2026-12-07 06:00 Europe/Berlin)',
      '           2026-12-08 05:00:00Z (2026-12-08 06:00 Europe/Berlin)',
      'last run   -',
      'owner      ada (user)',
      'runs       latest first, 2 of 5',
      '  TICK                  TRIGGER  EXPORT  STATUS     OUTCOME',
      '  2026-12-07 05:00:00Z  manual   e1      succeeded  12 rows, employees-2026-12-07-e1.csv',
      '  2026-12-07 05:00:00Z  cron     -       failed     type employees is global: admins only',
    ]);
    const paused = scheduleLines(schedule({ enabled: false, nextRunAt: null, nextRuns: [] }), { items: [], totalRecords: 0 });
    expect(paused).toContain('next runs  none (paused: porter schedules resume s1)');
    expect(paused).toContain('runs       none yet');
  });

  it('run-now without an export: failed for good, or claimed and left to the worker', () => {
    expect(runWithoutExportLine('s1', run({ id: null, jobId: null, status: 'failed', errorMessage: 'not allowed.' }, { status: 'failed' }))).toBe('Run r1 of schedule s1 failed: not allowed.');
    expect(runWithoutExportLine('s1', run({ id: null, jobId: null, status: 'pending', errorMessage: null }, { status: 'claimed', error: 'Postgres unreachable' }))).toBe(
      'Run r1 of schedule s1 is claimed, its export not requested yet (Postgres unreachable); the worker tries again (porter schedules show s1).',
    );
  });
});

describe('porter schedules: arguments and requests (against a stand-in API)', () => {
  const created = (req: SeenRequest) => ({ status: 201, body: schedule({ ...(req.body as object), id: 's9', nextRuns: [] }) });

  it('create sends the export shape, cron, timezone and enabled:false for --paused; only what was given', async () => {
    const full = await porterInProcess(
      ['schedules', 'create', 'employees', '-f', 'jsonl', '--cron', '*/15 * * * *', '--timezone', 'UTC', '--columns', 'email, last_name', '--filter', 'department=Sales', '--filter', 'active=true',
        '--scope', 's1,s2', '--compression', 'gzip', '--name', 'quarter-hourly', '--paused', '--json'],
      created,
    );
    expect(full.code).toBe(0);
    expect(full.requests).toEqual([
      {
        method: 'POST', url: '/api/v1/export-schedules',
        body: { type: 'employees', format: 'jsonl', columns: ['email', 'last_name'], filters: { department: 'Sales', active: true }, scopeIds: ['s1', 's2'], compression: 'gzip', name: 'quarter-hourly', cron: '*/15 * * * *', timezone: 'UTC', enabled: false },
      },
    ]);
    expect(JSON.parse(full.stdout)).toMatchObject({ id: 's9', enabled: false });
    const minimal = await porterInProcess(['schedules', 'create', 'employees', '-f', 'csv', '--cron', '@daily', '--timezone', 'Europe/Berlin'], created);
    expect(minimal.requests[0].body).toEqual({ type: 'employees', format: 'csv', cron: '@daily', timezone: 'Europe/Berlin' });
    expect(minimal.stdout).toBe('Schedule s9 created (enabled).\nNext run: 2026-12-07 05:00:00Z (2026-12-07 06:00 Europe/Berlin)\n');
  });

  it('create without its type, -f, --cron or --timezone, or with a compression the API does not offer: usage error (exit 2), nothing sent', async () => {
    const cases: Array<[string[], string]> = [
      [['schedules', 'create'], "missing required argument 'type'"],
      [['schedules', 'create', 'employees', '--cron', '@daily', '--timezone', 'UTC'], "required option '-f, --format <format>' not specified"],
      [['schedules', 'create', 'employees', '-f', 'csv', '--timezone', 'UTC'], "required option '--cron <expression>' not specified"],
      [['schedules', 'create', 'employees', '-f', 'csv', '--cron', '@daily'], "required option '--timezone <zone>' not specified"],
      [['schedules', 'create', 'employees', '-f', 'csv', '--cron', '@daily', '--timezone', 'UTC', '--compression', 'zip'], "'zip' is invalid. Allowed choices are none, gzip"],
      [['schedules', 'create', 'employees', '-f', 'csv', '--cron', '@daily', '--timezone', 'UTC', '--filter', 'active'], 'expected key=value, got "active"'],
      [['schedules', 'ls', '--limit', 'ten'], 'expected a whole number, got "ten"'],
      [['schedules', 'show'], "missing required argument 'id'"],
    ];
    for (const [args, message] of cases) {
      const result = await porterInProcess(args, created);
      expect({ args, code: result.code, requests: result.requests }).toEqual({ args, code: 2, requests: [] });
      expect(result.stderr).toContain(message);
    }
  });

  it("the API's 400 is exit 2 with each field's problem; 404 exit 1; 401 exit 3", async () => {
    const problem = { title: 'Bad Request', status: 400, errors: [{ path: 'cron', message: 'is not a cron expression croner accepts' }, { path: 'timezone', message: 'is not an IANA time zone' }] };
    const refused = await porterInProcess(['schedules', 'create', 'employees', '-f', 'csv', '--cron', 'nope', '--timezone', 'Nope/X'], () => ({ status: 400, body: problem }));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('porter: Bad Request (400)\n  cron: is not a cron expression croner accepts\n  timezone: is not an IANA time zone\n');
    const asJson = await porterInProcess(['schedules', 'create', 'employees', '-f', 'csv', '--cron', 'nope', '--timezone', 'UTC', '--json'], () => ({ status: 400, body: problem }));
    expect(JSON.parse(asJson.stdout)).toEqual({ error: problem });
    for (const [status, code] of [[404, 1], [409, 1], [401, 3], [403, 3]]) {
      const answered = await porterInProcess(['schedules', 'rm', 'x'], () => ({ status, body: { title: 'No', status } }));
      expect({ status, code: answered.code }).toEqual({ status, code });
    }
  });

  it('pause and resume PATCH enabled; rm DELETEs; ls pages; show reads the schedule and its runs; ids are escaped', async () => {
    const api = (req: SeenRequest) => {
      if (req.method === 'PATCH') return { status: 200, body: schedule({ id: 'a/b', ...(req.body as object), nextRunAt: (req.body as { enabled: boolean }).enabled ? '2026-12-07T05:00:00.000Z' : null }) };
      if (req.method === 'DELETE') return { status: 204 };
      if (req.url.includes('/runs')) return { status: 200, body: { items: [], totalRecords: 0 } };
      if (req.url.startsWith('/api/v1/export-schedules?')) return { status: 200, body: { items: [], totalRecords: 3 } };
      return { status: 200, body: schedule({ nextRuns: ['2026-12-07T05:00:00.000Z'] }) };
    };
    const paused = await porterInProcess(['schedules', 'pause', 'a/b'], api);
    expect(paused).toMatchObject({ code: 0, stdout: 'Schedule a/b paused.\n', requests: [{ method: 'PATCH', url: '/api/v1/export-schedules/a%2Fb', body: { enabled: false } }] });
    const resumed = await porterInProcess(['schedules', 'resume', 'a/b'], api);
    expect(resumed).toMatchObject({ code: 0, stdout: 'Schedule a/b resumed; next run 2026-12-07 05:00:00Z (2026-12-07 06:00 Europe/Berlin).\n', requests: [{ body: { enabled: true } }] });
    const removed = await porterInProcess(['schedules', 'rm', 's1', '--json'], api);
    expect(removed).toMatchObject({ code: 0, requests: [{ method: 'DELETE', url: '/api/v1/export-schedules/s1' }] });
    expect(JSON.parse(removed.stdout)).toEqual({ id: 's1', deleted: true });
    const listed = await porterInProcess(['schedules', 'ls', '--limit', '5', '--offset', '10'], api);
    expect(listed).toMatchObject({ code: 0, stdout: 'No schedules at offset 10 (3 in all).\n', requests: [{ method: 'GET', url: '/api/v1/export-schedules?limit=5&offset=10' }] });
    const shown = await porterInProcess(['schedules', 'show', 's1', '--json'], api);
    expect(shown.requests.map((r) => r.url).sort()).toEqual(['/api/v1/export-schedules/s1', '/api/v1/export-schedules/s1/runs?limit=10']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ schedule: { id: 's1', nextRuns: ['2026-12-07T05:00:00.000Z'] }, runs: { items: [], totalRecords: 0 } });
  });

  it('run-now: the export it requested; a run that failed exits 1 with its reason; a bad -o is refused before the run', async () => {
    const started = await porterInProcess(['schedules', 'run-now', 's1'], () => ({ status: 202, body: run({ status: 'pending' }) }));
    expect(started).toMatchObject({ code: 0, stdout: 'Schedule s1 ran now: export e1 (job j1, pending).\nFollow it: porter jobs watch j1\n', requests: [{ method: 'POST', url: '/api/v1/export-schedules/s1/run-now' }] });
    const failed = await porterInProcess(['schedules', 'run-now', 's1'], () => ({ status: 202, body: run({ id: null, jobId: null, status: 'failed', errorMessage: 'the owner was revoked' }, { status: 'failed' }) }));
    expect(failed).toMatchObject({ code: 1, stdout: 'Run r1 of schedule s1 failed: the owner was revoked.\n' });
    const badOutput = await porterInProcess(['schedules', 'run-now', 's1', '-o', '/nonexistent/dir/x.csv'], () => ({ status: 202, body: run() }));
    expect(badOutput).toMatchObject({ code: 2, requests: [] });
    expect(badOutput.stderr).toContain('-o /nonexistent/dir/x.csv: the directory /nonexistent/dir does not exist');
  });
});

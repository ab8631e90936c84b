import { Principal } from '@porter/shared-kernel';
import { CronSchedule, isIanaTimeZone } from './cron-schedule';
import { mayManageSchedule, runIdempotencyKey } from './schedule-access';

function schedule(cron: string, timezone: string): CronSchedule {
  const { schedule: parsed, errors } = CronSchedule.parse(cron, timezone);
  if (!parsed) throw new Error(JSON.stringify(errors));
  return parsed;
}

const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

function errorsOf(cron: unknown, timezone: unknown) {
  return CronSchedule.parse(cron, timezone).errors;
}

describe('CronSchedule.parse', () => {
  it('accepts five fields and nicknames in an IANA zone', () => {
    expect(errorsOf('0 6 * * 1-5', 'Europe/Berlin')).toEqual([]);
    expect(errorsOf('*/15 * * * *', 'UTC')).toEqual([]);
    expect(errorsOf('@daily', 'America/New_York')).toEqual([]);
    expect(errorsOf('@Weekly', 'UTC')).toEqual([]);
    // @reboot is no time (croner's own words were about "system startup detection"): named as such.
    expect(errorsOf('@reboot', 'UTC')).toEqual([
      { path: 'cron', message: 'is not a valid cron expression: "@reboot" is not a nickname a schedule takes (@yearly, @annually, @monthly, @weekly, @daily, @hourly), or use five fields "minute hour day-of-month month day-of-week"' },
    ]);
    expect(schedule('  30   2 * * * ', 'UTC').cron).toBe('30 2 * * *');
  });

  it('names the cron field for an invalid expression', () => {
    expect(errorsOf('61 * * * *', 'UTC')).toEqual([{ path: 'cron', message: expect.stringContaining('minute') }]);
    expect(errorsOf('every day', 'UTC')).toEqual([{ path: 'cron', message: expect.stringContaining('five fields') }]);
    expect(errorsOf('', 'UTC')[0].path).toBe('cron');
    expect(errorsOf(42, 'UTC')[0].path).toBe('cron');
    expect(errorsOf('0 0 30 2 *', 'UTC')).toEqual([{ path: 'cron', message: 'never runs (no date matches it)' }]);
  });

  it('refuses anything more often than once per minute: seconds fields', () => {
    expect(errorsOf('*/10 * * * * *', 'UTC')).toEqual([{ path: 'cron', message: expect.stringContaining('at most once per minute') }]);
    expect(errorsOf('0 * * * * *', 'UTC')[0].path).toBe('cron');
    expect(errorsOf('0 0 * * * * 2027', 'UTC')[0].path).toBe('cron');
  });

  it('names the timezone field for an unknown zone, and reports both fields at once', () => {
    expect(errorsOf('0 6 * * *', 'Mars/Olympus_Mons')).toEqual([{ path: 'timezone', message: expect.stringContaining('unknown time zone') }]);
    // A cron that never runs is said along with the bad zone, not only once the zone is fixed.
    expect(errorsOf('0 0 31 2 *', 'Bad')).toEqual([
      { path: 'timezone', message: expect.stringContaining('unknown time zone') },
      { path: 'cron', message: 'never runs (no date matches it)' },
    ]);
    expect(errorsOf('0 6 * * *', '')[0].path).toBe('timezone');
    expect(errorsOf('0 6 * * *', undefined)[0].path).toBe('timezone');
    expect(errorsOf('nope', 'Nowhere/Land').map((e) => e.path).sort()).toEqual(['cron', 'timezone']);
    expect(isIanaTimeZone('Asia/Kolkata')).toBe(true);
    expect(isIanaTimeZone('CEST+2')).toBe(false);
  });
});

describe('daylight saving time', () => {
  it('Europe/Berlin spring forward (2026-03-29, 02:00 → 03:00): a 02:30 schedule runs once, at 03:00 CEST', () => {
    const s = schedule('30 2 * * *', 'Europe/Berlin');
    expect(iso(s.nextRuns(new Date('2026-03-28T12:00:00Z'), 3))).toEqual([
      '2026-03-29T01:00:00.000Z', // 03:00 CEST: the first instant after the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('Europe/Berlin fall back (2026-10-25, 03:00 → 02:00): a 02:30 schedule runs once, at the first 02:30', () => {
    const s = schedule('30 2 * * *', 'Europe/Berlin');
    const runs = s.nextRuns(new Date('2026-10-24T12:00:00Z'), 2);
    expect(iso(runs)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    // Walking run by run (what the ticker does) skips the second 02:30 (01:30Z) too.
    expect(s.nextRun(runs[0])?.toISOString()).toBe('2026-10-26T01:30:00.000Z');
    expect(s.planTick(runs[0], new Date('2026-10-25T01:45:00Z'))).toEqual({ tickAt: runs[0], missedTicks: 0, nextRunAt: runs[1] });
  });

  it('America/New_York spring forward (2026-03-08, 02:00 → 03:00): a 02:30 schedule runs once, at 03:00 EDT', () => {
    const s = schedule('30 2 * * *', 'America/New_York');
    expect(iso(s.nextRuns(new Date('2026-03-07T12:00:00Z'), 2))).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  it('America/New_York fall back (2026-11-01, 02:00 → 01:00): a 01:30 schedule runs once, at 01:30 EDT; 02:30 is unaffected', () => {
    const s = schedule('30 1 * * *', 'America/New_York');
    const runs = s.nextRuns(new Date('2026-10-31T12:00:00Z'), 2);
    expect(iso(runs)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    expect(s.nextRun(runs[0])?.toISOString()).toBe('2026-11-02T06:30:00.000Z');
    expect(iso(schedule('30 2 * * *', 'America/New_York').nextRuns(new Date('2026-10-31T12:00:00Z'), 2))).toEqual([
      '2026-11-01T07:30:00.000Z',
      '2026-11-02T07:30:00.000Z',
    ]);
  });

  it('an hourly schedule runs every elapsed hour across fall back (both 01:30s are different hours)', () => {
    const s = schedule('30 * * * *', 'America/New_York');
    expect(iso(s.nextRuns(new Date('2026-11-01T04:00:00Z'), 4))).toEqual([
      '2026-11-01T04:30:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T07:30:00.000Z',
    ]);
  });
});

describe('planTick (missed ticks)', () => {
  it('runs a due tick once and waits for the next one after now', () => {
    const s = schedule('*/5 * * * *', 'UTC');
    expect(s.planTick(new Date('2026-12-04T10:05:00Z'), new Date('2026-12-04T10:05:02Z'))).toEqual({
      tickAt: new Date('2026-12-04T10:05:00Z'),
      missedTicks: 0,
      nextRunAt: new Date('2026-12-04T10:10:00Z'),
    });
  });

  it('after an outage runs ONE tick, the latest missed one, and counts the others', () => {
    const s = schedule('*/5 * * * *', 'UTC');
    expect(s.planTick(new Date('2026-12-04T10:05:00Z'), new Date('2026-12-04T11:07:00Z'))).toEqual({
      tickAt: new Date('2026-12-04T11:05:00Z'),
      missedTicks: 12,
      nextRunAt: new Date('2026-12-04T11:10:00Z'),
    });
  });

  it('jumps to the latest run after a very long outage of a frequent schedule', () => {
    const s = schedule('* * * * *', 'UTC');
    const plan = s.planTick(new Date('2026-01-01T00:00:00Z'), new Date('2026-03-01T12:34:56Z'));
    expect(plan.tickAt).toEqual(new Date('2026-03-01T12:34:00Z'));
    expect(plan.missedTicks).toBe(1000);
    expect(plan.nextRunAt).toEqual(new Date('2026-03-01T12:35:00Z'));
  });
});

describe('schedule access', () => {
  const schedule = { tenant: 'acme', ownerId: 'alice' };
  it('lets the owner and tenant admins manage it, nobody of another tenant', () => {
    expect(mayManageSchedule(new Principal('alice', 'acme'), schedule)).toBe(true);
    expect(mayManageSchedule(new Principal('bob', 'acme', ['admin']), schedule)).toBe(true);
    expect(mayManageSchedule(new Principal('bob', 'acme'), schedule)).toBe(false);
    expect(mayManageSchedule(new Principal('alice', 'other', ['admin']), schedule)).toBe(false);
  });

  it('derives one idempotency key per schedule and tick', () => {
    const tick = new Date('2026-12-04T10:05:00Z');
    expect(runIdempotencyKey('s1', tick)).toBe('export-schedule:s1:2026-12-04T10:05:00.000Z');
    expect(runIdempotencyKey('s1', tick)).toBe(runIdempotencyKey('s1', new Date(tick)));
    expect(runIdempotencyKey('s1', tick)).not.toBe(runIdempotencyKey('s2', tick));
  });
});

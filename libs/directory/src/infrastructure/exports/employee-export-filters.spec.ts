import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { EmployeesExportFilters, isCalendarDay } from './employee-export-filters';

const failing = async (filters: Record<string, unknown>) =>
  (await validate(plainToInstance(EmployeesExportFilters, filters), { whitelist: true, forbidNonWhitelisted: true })).map((e) => e.property);

describe('employees export filters', () => {
  it.each(['2024-02-29', '2023-12-31', '0001-01-01', '1900-03-01', '9999-12-31'])('accepts the real day %s', async (day) => {
    expect(isCalendarDay(day)).toBe(true);
    expect(await failing({ hiredAfter: day })).toEqual([]);
  });

  it.each([
    ['a day February does not have', '2023-02-30'],
    ['February 29th of a common year', '2023-02-29'],
    ['year zero (Postgres has none)', '0000-01-01'],
    ['month 13', '2023-13-01'],
    ['day 31 of a 30-day month', '2023-04-31'],
    ['a missing leading zero', '2023-1-01'],
    ['a timestamp', '2023-01-01T00:00:00Z'],
    ['a word', 'yesterday'],
  ])('refuses %s (%s) on hiredAfter', async (_what, day) => {
    expect(isCalendarDay(day)).toBe(false);
    expect(await failing({ hiredAfter: day })).toEqual(['hiredAfter']);
  });

  it('refuses a non-string hiredAfter', async () => {
    expect(await failing({ hiredAfter: 20230101 })).toEqual(['hiredAfter']);
  });
});

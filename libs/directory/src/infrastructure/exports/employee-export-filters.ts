import { IsBoolean, IsOptional, IsString, Length, ValidateBy } from 'class-validator';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * A real day of the calendar as YYYY-MM-DD: the shape alone lets `2023-02-30` through, and
 * `0000-01-01` is a year Postgres does not have (1 BC comes before 1 AD). Both must be refused at
 * request time (422), not fail later in the worker.
 */
export function isCalendarDay(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match = DAY.exec(value);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  if (year < 1) return false;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

const IsCalendarDay = (): PropertyDecorator =>
  ValidateBy({
    name: 'isCalendarDay',
    validator: {
      validate: isCalendarDay,
      defaultMessage: (args) => `${args?.property ?? 'value'} must be a calendar day as YYYY-MM-DD (year 0001 or later)`,
    },
  });

/** Filters of the `employees` export (whole tenant). */
export class EmployeesExportFilters {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  department?: string;

  @IsOptional()
  @IsBoolean()
  active?: boolean;

  /** Only employees hired strictly after this day (YYYY-MM-DD). */
  @IsOptional()
  @IsCalendarDay()
  hiredAfter?: string;
}

/** Filters of the `scope-employees` export (the requested scopes only). */
export class ScopeEmployeesExportFilters {
  @IsOptional()
  @IsString()
  @Length(1, 200)
  department?: string;

  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

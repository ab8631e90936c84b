import { IsBoolean, IsOptional, IsString, Length, Matches } from 'class-validator';

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
  @IsString()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, { message: 'hiredAfter must be a date as YYYY-MM-DD' })
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

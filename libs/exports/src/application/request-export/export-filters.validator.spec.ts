import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { describeExportFilters, validateExportFilters } from './export-filters.validator';

class Filters {
  @IsOptional()
  @IsString()
  department?: string;

  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

describe('export filter validation', () => {
  it('accepts valid filters', async () => {
    expect(await validateExportFilters(Filters, { department: 'Sales', active: false })).toEqual([]);
    expect(await validateExportFilters(Filters, {})).toEqual([]);
  });

  it('reports each failing path under filters.', async () => {
    const errors = await validateExportFilters(Filters, { department: 5, active: 'yes', colour: 'red' });
    expect(errors.map((e) => e.path).sort()).toEqual(['filters.active', 'filters.colour', 'filters.department']);
  });

  it('refuses a filter set to null, naming it, although the schema marks it optional', async () => {
    expect(await validateExportFilters(Filters, { department: null, active: true })).toEqual([
      { path: 'filters.department', message: 'department must not be null: omit it for no filter' },
    ]);
    expect((await validateExportFilters(Filters, { colour: null })).map((e) => e.path)).toEqual(['filters.colour']);
  });

  it('refuses any filter for a type without a schema', async () => {
    expect(await validateExportFilters(undefined, { a: 1 })).toEqual([{ path: 'filters.a', message: 'this export type takes no filters' }]);
  });

  it('describes the schema for GET /exports/types', () => {
    const fields = describeExportFilters(Filters);
    expect(fields.map((f) => f.name)).toEqual(['department', 'active']);
    expect(fields[0].rules).toEqual(expect.arrayContaining(['isString']));
    expect(fields[1].rules).toEqual(expect.arrayContaining(['isBoolean']));
  });
});

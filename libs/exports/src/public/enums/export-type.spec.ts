import { IsBoolean, IsOptional, IsString } from 'class-validator';
import { describeExportFilters, validateExportFilters } from '../../application/request-export/export-filters.validator';
import { ExportTypeRegistry } from './export-type';
import { FileFormat } from './file-format';

class Filters {
  @IsOptional()
  @IsString()
  department?: string;

  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

describe('ExportTypeRegistry', () => {
  it('is the single source of truth for a type: scope, retention, formats, filters, neutralising on by default', () => {
    const registry = new ExportTypeRegistry();
    registry.define({ type: 'people', scope: 'local', retentionPeriodDays: 7, formats: [FileFormat.Csv], filters: Filters });
    registry.define({ type: 'all-people', scope: 'global', retentionPeriodDays: 30, formats: [FileFormat.Xlsx] });
    expect(registry.get('people')).toMatchObject({ scope: 'local', retentionPeriodDays: 7, formats: ['csv'], neutralizeFormulas: true });
    expect(registry.isLocal('people')).toBe(true);
    expect(registry.isGlobal('all-people')).toBe(true);
    expect(registry.isGlobal('missing')).toBe(false);
    expect(registry.list().map((t) => t.type)).toEqual(['all-people', 'people']);
    expect(() => registry.require('missing')).toThrow(/not defined/);
  });

  it('refuses duplicates and nonsense definitions', () => {
    const registry = new ExportTypeRegistry();
    registry.define({ type: 'people', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] });
    expect(() => registry.define({ type: 'people', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] })).toThrow(/already/);
    expect(() => registry.define({ type: 'Bad Type', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] })).toThrow(/kebab/);
    expect(() => registry.define({ type: 'x', scope: 'global', retentionPeriodDays: 0, formats: [FileFormat.Csv] })).toThrow(/retention/);
    expect(() => registry.define({ type: 'y', scope: 'global', retentionPeriodDays: 1, formats: [] })).toThrow(/format/);
  });
});

describe('export filter validation', () => {
  it('accepts valid filters', async () => {
    expect(await validateExportFilters(Filters, { department: 'Sales', active: false })).toEqual([]);
    expect(await validateExportFilters(Filters, {})).toEqual([]);
  });

  it('reports each failing path under filters.', async () => {
    const errors = await validateExportFilters(Filters, { department: 5, active: 'yes', colour: 'red' });
    expect(errors.map((e) => e.path).sort()).toEqual(['filters.active', 'filters.colour', 'filters.department']);
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

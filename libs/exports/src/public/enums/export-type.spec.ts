import { IsOptional, IsString } from 'class-validator';
import { ExportTypeRegistry } from './export-type';
import { FileFormat } from './file-format';

class Filters {
  @IsOptional()
  @IsString()
  department?: string;
}

const COLUMNS = [{ key: 'id', header: 'id', type: 'string' as const }];

describe('ExportTypeRegistry', () => {
  it('is the single source of truth for a type: scope, retention, formats, filters, neutralising on by default', () => {
    const registry = new ExportTypeRegistry();
    registry.define({ columns: COLUMNS, type: 'people', scope: 'local', retentionPeriodDays: 7, formats: [FileFormat.Csv], filters: Filters });
    registry.define({ columns: COLUMNS, type: 'all-people', scope: 'global', retentionPeriodDays: 30, formats: [FileFormat.Xlsx] });
    expect(registry.get('people')).toMatchObject({ scope: 'local', retentionPeriodDays: 7, formats: ['csv'], neutralizeFormulas: true });
    expect(registry.isLocal('people')).toBe(true);
    expect(registry.isGlobal('all-people')).toBe(true);
    expect(registry.isGlobal('missing')).toBe(false);
    expect(registry.list().map((t) => t.type)).toEqual(['all-people', 'people']);
    expect(() => registry.require('missing')).toThrow(/not defined/);
  });

  it('refuses duplicates and nonsense definitions', () => {
    const registry = new ExportTypeRegistry();
    registry.define({ columns: COLUMNS, type: 'people', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] });
    expect(() => registry.define({ columns: COLUMNS, type: 'people', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] })).toThrow(/already/);
    expect(() => registry.define({ columns: COLUMNS, type: 'Bad Type', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] })).toThrow(/kebab/);
    expect(() => registry.define({ columns: COLUMNS, type: 'x', scope: 'global', retentionPeriodDays: 0, formats: [FileFormat.Csv] })).toThrow(/retention/);
    expect(() => registry.define({ columns: COLUMNS, type: 'y', scope: 'global', retentionPeriodDays: 1, formats: [] })).toThrow(/format/);
    expect(() => registry.define({ columns: [], type: 'z', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] })).toThrow(/distinct columns/);
    expect(() => registry.define({ columns: [...COLUMNS, ...COLUMNS], type: 'z', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] })).toThrow(/distinct columns/);
    expect(() => registry.define({ columns: COLUMNS, keyColumn: 'email', type: 'z', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] })).toThrow(/keyColumn "email"/);
  });
});

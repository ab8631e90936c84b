import { IsOptional, IsString } from 'class-validator';
import { ExportTypeRegistry } from './export-type';
import { FileFormat } from './file-format';

class Filters {
  @IsOptional()
  @IsString()
  department?: string;
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

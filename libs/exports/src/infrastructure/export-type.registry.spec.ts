import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { IsOptional, IsString } from 'class-validator';
import { ExportDataSource, ExportDataSourceFor, ExportTypeDefinition } from '../public/dependencies/export-data-source.dependency';
import { FileFormat } from '../public/enums/file-format';
import { ExportTypeRegistry } from './export-type.registry';

class Filters {
  @IsOptional()
  @IsString()
  department?: string;
}

const COLUMNS = [{ key: 'id', header: 'id', type: 'string' as const }];

/** A data source class declaring `definition`, as a host writes one. */
function sourceFor(definition: ExportTypeDefinition): new () => ExportDataSource {
  @Injectable()
  @ExportDataSourceFor(definition)
  class Source implements ExportDataSource {
    async *rows() {
      yield [];
    }
  }
  return Source;
}

async function registryWith(...providers: Array<new (...args: never[]) => unknown>): Promise<ExportTypeRegistry> {
  const moduleRef = await Test.createTestingModule({ imports: [DiscoveryModule], providers: [ExportTypeRegistry, ...providers] }).compile();
  await moduleRef.init();
  return moduleRef.get(ExportTypeRegistry);
}

const startWith = (definition: Partial<ExportTypeDefinition>) =>
  registryWith(sourceFor({ columns: COLUMNS, type: 'z', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv], ...definition }));

describe('ExportTypeRegistry', () => {
  it('is the single source of truth for a type: scope, retention, formats, filters, neutralising on by default, with its data source', async () => {
    const People = sourceFor({ columns: COLUMNS, type: 'people', scope: 'local', retentionPeriodDays: 7, formats: [FileFormat.Csv], filters: Filters });
    const registry = await registryWith(
      People,
      sourceFor({ columns: COLUMNS, type: 'all-people', scope: 'global', retentionPeriodDays: 30, formats: [FileFormat.Xlsx] }),
    );
    expect(registry.find('people')?.definition).toMatchObject({ scope: 'local', retentionPeriodDays: 7, formats: ['csv'], neutralizeFormulas: true });
    expect(registry.find('people')?.source).toBeInstanceOf(People);
    expect(registry.find('all-people')?.definition.scope).toBe('global');
    expect(registry.find('missing')).toBeNull();
    expect(registry.list().map((t) => t.type)).toEqual(['all-people', 'people']);
  });

  it("finds data sources in a host's module, which the exports module does not import", async () => {
    @Module({ providers: [sourceFor({ columns: COLUMNS, type: 'elsewhere', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] })] })
    class HostModule {}
    const moduleRef = await Test.createTestingModule({ imports: [DiscoveryModule, HostModule], providers: [ExportTypeRegistry] }).compile();
    await moduleRef.init();
    expect(moduleRef.get(ExportTypeRegistry).list().map((t) => t.type)).toEqual(['elsewhere']);
  });

  it('refuses to start with a type declared twice, or on a class without rows()', async () => {
    const definition: ExportTypeDefinition = { columns: COLUMNS, type: 'people', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] };
    await expect(registryWith(sourceFor(definition), sourceFor(definition))).rejects.toThrow(/already/);

    @Injectable()
    @ExportDataSourceFor({ ...definition, type: 'rowless' })
    class Rowless {}
    await expect(registryWith(Rowless)).rejects.toThrow('@ExportDataSourceFor("rowless") is on Rowless, which has no rows() method');
  });

  it('refuses to start with a nonsense definition', async () => {
    await expect(startWith({ type: 'Bad Type' })).rejects.toThrow(/kebab/);
    await expect(startWith({ retentionPeriodDays: 0 })).rejects.toThrow(/retention/);
    await expect(startWith({ formats: [] })).rejects.toThrow(/format/);
    await expect(startWith({ columns: [] })).rejects.toThrow(/distinct columns/);
    await expect(startWith({ columns: [...COLUMNS, ...COLUMNS] })).rejects.toThrow(/distinct columns/);
    await expect(startWith({ keyColumn: 'email' })).rejects.toThrow(/keyColumn "email"/);
  });
});

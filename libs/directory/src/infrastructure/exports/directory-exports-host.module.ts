import { Inject, Module, OnModuleInit } from '@nestjs/common';
import {
  EXPORT_DATA_SOURCES,
  EXPORT_TYPE_REGISTRY,
  ExportDataSourceRegistry,
  ExportsModule,
  ExportTypeDefinition,
  ExportTypeRegistry,
  FileFormat,
} from '@porter/exports';
import { EMPLOYEE_EXPORT_COLUMNS, EmployeesExportDataSource, ScopeEmployeesExportDataSource } from './employee-export.data-sources';
import { EmployeesExportFilters, ScopeEmployeesExportFilters } from './employee-export-filters';

const ALL_FORMATS = [FileFormat.Csv, FileFormat.Xlsx, FileFormat.Jsonl];

export const EMPLOYEES_EXPORT: ExportTypeDefinition = {
  type: 'employees',
  scope: 'global',
  retentionPeriodDays: 30,
  formats: ALL_FORMATS,
  columns: EMPLOYEE_EXPORT_COLUMNS,
  keyColumn: 'id',
  filters: EmployeesExportFilters,
  neutralizeFormulas: true,
  description: 'Every employee of the tenant (admins only). Filters: department, active, hiredAfter (YYYY-MM-DD, exclusive).',
};

export const SCOPE_EMPLOYEES_EXPORT: ExportTypeDefinition = {
  type: 'scope-employees',
  scope: 'local',
  retentionPeriodDays: 7,
  formats: ALL_FORMATS,
  columns: EMPLOYEE_EXPORT_COLUMNS,
  keyColumn: 'id',
  filters: ScopeEmployeesExportFilters,
  neutralizeFormulas: true,
  description: 'Employees of the requested operational scopes (the caller must hold every one). Filters: department, active.',
};

/** The directory as an exports host: it defines its export types and sets their data sources. */
@Module({
  imports: [ExportsModule],
  providers: [EmployeesExportDataSource, ScopeEmployeesExportDataSource],
})
export class DirectoryExportsHostModule implements OnModuleInit {
  constructor(
    @Inject(EXPORT_TYPE_REGISTRY) private readonly types: ExportTypeRegistry,
    @Inject(EXPORT_DATA_SOURCES) private readonly sources: ExportDataSourceRegistry,
    private readonly employees: EmployeesExportDataSource,
    private readonly scopeEmployees: ScopeEmployeesExportDataSource,
  ) {}

  onModuleInit(): void {
    this.types.define(EMPLOYEES_EXPORT);
    this.sources.set(EMPLOYEES_EXPORT.type, this.employees);
    this.types.define(SCOPE_EMPLOYEES_EXPORT);
    this.sources.set(SCOPE_EMPLOYEES_EXPORT.type, this.scopeEmployees);
  }
}

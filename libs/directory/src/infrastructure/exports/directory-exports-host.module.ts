import { Module } from '@nestjs/common';
import { EmployeesExportDataSource, ScopeEmployeesExportDataSource } from './employee-export.data-sources';

/** The directory as an exports host: its export types and data sources (found by @ExportDataSourceFor). */
@Module({ providers: [EmployeesExportDataSource, ScopeEmployeesExportDataSource] })
export class DirectoryExportsHostModule {}

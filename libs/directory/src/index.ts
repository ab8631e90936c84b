export * from './directory.module';
export { directoryMigrations } from './infrastructure/migrations';
export { seedEmployees } from './infrastructure/seed/employee-seeder';
export type { SeedEmployeesOptions } from './infrastructure/seed/employee-seeder';
export { EMPLOYEE_EXPORT_COLUMNS, employeeExportQuery } from './infrastructure/exports/employee-export.data-sources';

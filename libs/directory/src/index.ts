export * from './directory.module';
export * from './public/employee-transfers';
export { directoryMigrations } from './infrastructure/migrations';
export * from './public/seeding/employee-seeder';
export * from './public/exports/employee-export-query';

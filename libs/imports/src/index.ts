export * from './imports.module';
export { importsMigrations } from './infrastructure/migrations';
export * from './imports.worker-module';

export * from './directory.module';
export { directoryMigrations } from './infrastructure/migrations';

export * from './exports.module';
export { exportsMigrations } from './infrastructure/migrations';
export * from './exports.worker-module';

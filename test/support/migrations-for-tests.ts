export { porterMigrations } from '../../apps/api/src/porter-migrations';

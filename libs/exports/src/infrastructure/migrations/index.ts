import { lazyMigration, PorterMigration } from '@porter/platform';

// Each class is loaded when the migrator runs it, not by every process importing this list.
/* eslint-disable @typescript-eslint/no-require-imports */
export const exportsMigrations: PorterMigration[] = [
  lazyMigration('Migration20261122200000ExportsSchema', () => (require('./20261122200000-exports-schema.migration') as typeof import('./20261122200000-exports-schema.migration')).Migration20261122200000ExportsSchema),
  lazyMigration('Migration20261204100000ExportsRequestOptions', () => (require('./20261204100000-exports-request-options.migration') as typeof import('./20261204100000-exports-request-options.migration')).Migration20261204100000ExportsRequestOptions),
  lazyMigration('Migration20261204170000ExportsNotifyEmail', () => (require('./20261204170000-exports-notify-email.migration') as typeof import('./20261204170000-exports-notify-email.migration')).Migration20261204170000ExportsNotifyEmail),
  lazyMigration('Migration20261205210000ExportsCoveringListIndex', () => (require('./20261205210000-exports-covering-list-index.migration') as typeof import('./20261205210000-exports-covering-list-index.migration')).Migration20261205210000ExportsCoveringListIndex),
  lazyMigration('Migration20261206120000ExportsScheduleOrigin', () => (require('./20261206120000-exports-schedule-origin.migration') as typeof import('./20261206120000-exports-schedule-origin.migration')).Migration20261206120000ExportsScheduleOrigin),
];

import { lazyMigration, PorterMigration } from '@porter/platform';

// Each class is loaded when the migrator runs it, not by every process importing this list.
/* eslint-disable @typescript-eslint/no-require-imports */
export const schedulingMigrations: PorterMigration[] = [
  lazyMigration('Migration20261204150000SchedulingSchema', () => (require('./20261204150000-scheduling-schema.migration') as typeof import('./20261204150000-scheduling-schema.migration')).Migration20261204150000SchedulingSchema),
];

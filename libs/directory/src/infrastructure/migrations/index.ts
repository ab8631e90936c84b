import { lazyMigration, PorterMigration } from '@porter/platform';

// Each class is loaded when the migrator runs it, not by every process importing this list.
/* eslint-disable @typescript-eslint/no-require-imports */
export const directoryMigrations: PorterMigration[] = [
  lazyMigration('Migration20261122400000DirectoryEmployees', () => (require('./20261122400000-directory-employees.migration') as typeof import('./20261122400000-directory-employees.migration')).Migration20261122400000DirectoryEmployees),
];

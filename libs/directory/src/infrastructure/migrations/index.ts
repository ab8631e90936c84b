import type { PorterMigration } from '@porter/platform';
import { Migration20261122400000DirectoryEmployees } from './20261122400000-directory-employees.migration';

export const directoryMigrations: PorterMigration[] = [
  { name: 'Migration20261122400000DirectoryEmployees', class: Migration20261122400000DirectoryEmployees },
];

import type { PorterMigration } from '@porter/platform';
import { Migration20261122300000ImportsSchema } from './20261122300000-imports-schema.migration';

export const importsMigrations: PorterMigration[] = [
  { name: 'Migration20261122300000ImportsSchema', class: Migration20261122300000ImportsSchema },
];

import type { PorterMigration } from '@porter/platform';
import { Migration20261122200000ExportsSchema } from './20261122200000-exports-schema.migration';

export const exportsMigrations: PorterMigration[] = [
  { name: 'Migration20261122200000ExportsSchema', class: Migration20261122200000ExportsSchema },
];

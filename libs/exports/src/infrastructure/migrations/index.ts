import type { PorterMigration } from '@porter/platform';

export const exportsMigrations: PorterMigration[] = [];

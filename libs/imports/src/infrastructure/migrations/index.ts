import type { PorterMigration } from '@porter/platform';

export const importsMigrations: PorterMigration[] = [];

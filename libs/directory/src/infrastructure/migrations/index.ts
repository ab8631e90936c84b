import type { PorterMigration } from '@porter/platform';

export const directoryMigrations: PorterMigration[] = [];

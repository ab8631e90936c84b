import type { PorterMigration } from '@porter/platform';

export const jobQueueMigrations: PorterMigration[] = [];

import type { PorterMigration } from '@porter/platform';
import { Migration20261122100000JobQueueSchema } from './20261122100000-job-queue-schema.migration';

export const jobQueueMigrations: PorterMigration[] = [
  { name: 'Migration20261122100000JobQueueSchema', class: Migration20261122100000JobQueueSchema },
];

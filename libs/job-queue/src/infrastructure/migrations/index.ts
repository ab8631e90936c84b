import type { PorterMigration } from '@porter/platform';
import { Migration20261122100000JobQueueSchema } from './20261122100000-job-queue-schema.migration';
import { Migration20261122110000JobQueueLeaseIndex } from './20261122110000-job-queue-lease-index.migration';
import { Migration20261122120000JobQueueOutboxCoalesce } from './20261122120000-job-queue-outbox-coalesce.migration';

export const jobQueueMigrations: PorterMigration[] = [
  { name: 'Migration20261122100000JobQueueSchema', class: Migration20261122100000JobQueueSchema },
  { name: 'Migration20261122110000JobQueueLeaseIndex', class: Migration20261122110000JobQueueLeaseIndex },
  { name: 'Migration20261122120000JobQueueOutboxCoalesce', class: Migration20261122120000JobQueueOutboxCoalesce },
];

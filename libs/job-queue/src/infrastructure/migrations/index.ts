import type { PorterMigration } from '@porter/platform';
import { Migration20261122100000JobQueueSchema } from './20261122100000-job-queue-schema.migration';
import { Migration20261122110000JobQueueLeaseIndex } from './20261122110000-job-queue-lease-index.migration';
import { Migration20261122120000JobQueueOutboxCoalesce } from './20261122120000-job-queue-outbox-coalesce.migration';
import { Migration20261204130000JobQueueAttachments } from './20261204130000-job-queue-attachments.migration';
import { Migration20261204140000JobQueueWorkerLiveness } from './20261204140000-job-queue-worker-liveness.migration';
import { Migration20261204150000JobQueueTraceContext } from './20261204150000-job-queue-trace-context.migration';
import { Migration20261204160000JobQueueTenantFairness } from './20261204160000-job-queue-tenant-fairness.migration';
import { Migration20261204150000JobQueueEventFeed } from './20261204150000-job-queue-event-feed.migration';
import { Migration20261204180000JobQueueStagedAttachments } from './20261204180000-job-queue-staged-attachments.migration';
import { Migration20261204190000JobQueuePendingPositionIndexes } from './20261204190000-job-queue-pending-position-indexes.migration';

export const jobQueueMigrations: PorterMigration[] = [
  { name: 'Migration20261122100000JobQueueSchema', class: Migration20261122100000JobQueueSchema },
  { name: 'Migration20261122110000JobQueueLeaseIndex', class: Migration20261122110000JobQueueLeaseIndex },
  { name: 'Migration20261122120000JobQueueOutboxCoalesce', class: Migration20261122120000JobQueueOutboxCoalesce },
  { name: 'Migration20261204130000JobQueueAttachments', class: Migration20261204130000JobQueueAttachments },
  { name: 'Migration20261204140000JobQueueWorkerLiveness', class: Migration20261204140000JobQueueWorkerLiveness },
  { name: 'Migration20261204150000JobQueueTraceContext', class: Migration20261204150000JobQueueTraceContext },
  { name: 'Migration20261204160000JobQueueTenantFairness', class: Migration20261204160000JobQueueTenantFairness },
  { name: 'Migration20261204150000JobQueueEventFeed', class: Migration20261204150000JobQueueEventFeed },
  { name: 'Migration20261204180000JobQueueStagedAttachments', class: Migration20261204180000JobQueueStagedAttachments },
  { name: 'Migration20261204190000JobQueuePendingPositionIndexes', class: Migration20261204190000JobQueuePendingPositionIndexes },
];

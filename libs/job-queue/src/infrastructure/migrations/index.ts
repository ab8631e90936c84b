import { lazyMigration, PorterMigration } from '@porter/platform';

// Each class is loaded when the migrator runs it, not by every process importing this list.
/* eslint-disable @typescript-eslint/no-require-imports */
export const jobQueueMigrations: PorterMigration[] = [
  lazyMigration('Migration20261122100000JobQueueSchema', () => (require('./20261122100000-job-queue-schema.migration') as typeof import('./20261122100000-job-queue-schema.migration')).Migration20261122100000JobQueueSchema),
  lazyMigration('Migration20261122110000JobQueueLeaseIndex', () => (require('./20261122110000-job-queue-lease-index.migration') as typeof import('./20261122110000-job-queue-lease-index.migration')).Migration20261122110000JobQueueLeaseIndex),
  lazyMigration('Migration20261122120000JobQueueOutboxCoalesce', () => (require('./20261122120000-job-queue-outbox-coalesce.migration') as typeof import('./20261122120000-job-queue-outbox-coalesce.migration')).Migration20261122120000JobQueueOutboxCoalesce),
  lazyMigration('Migration20261204130000JobQueueAttachments', () => (require('./20261204130000-job-queue-attachments.migration') as typeof import('./20261204130000-job-queue-attachments.migration')).Migration20261204130000JobQueueAttachments),
  lazyMigration('Migration20261204140000JobQueueWorkerLiveness', () => (require('./20261204140000-job-queue-worker-liveness.migration') as typeof import('./20261204140000-job-queue-worker-liveness.migration')).Migration20261204140000JobQueueWorkerLiveness),
  lazyMigration('Migration20261204150000JobQueueTraceContext', () => (require('./20261204150000-job-queue-trace-context.migration') as typeof import('./20261204150000-job-queue-trace-context.migration')).Migration20261204150000JobQueueTraceContext),
  lazyMigration('Migration20261204160000JobQueueTenantFairness', () => (require('./20261204160000-job-queue-tenant-fairness.migration') as typeof import('./20261204160000-job-queue-tenant-fairness.migration')).Migration20261204160000JobQueueTenantFairness),
  lazyMigration('Migration20261204150000JobQueueEventFeed', () => (require('./20261204150000-job-queue-event-feed.migration') as typeof import('./20261204150000-job-queue-event-feed.migration')).Migration20261204150000JobQueueEventFeed),
  lazyMigration('Migration20261204180000JobQueueStagedAttachments', () => (require('./20261204180000-job-queue-staged-attachments.migration') as typeof import('./20261204180000-job-queue-staged-attachments.migration')).Migration20261204180000JobQueueStagedAttachments),
  lazyMigration('Migration20261204190000JobQueuePendingPositionIndexes', () => (require('./20261204190000-job-queue-pending-position-indexes.migration') as typeof import('./20261204190000-job-queue-pending-position-indexes.migration')).Migration20261204190000JobQueuePendingPositionIndexes),
  lazyMigration('Migration20261205180000JobQueueLimitedTenantsIndex', () => (require('./20261205180000-job-queue-limited-tenants-index.migration') as typeof import('./20261205180000-job-queue-limited-tenants-index.migration')).Migration20261205180000JobQueueLimitedTenantsIndex),
  lazyMigration('Migration20261205190000JobQueueCoveringListIndexes', () => (require('./20261205190000-job-queue-covering-list-indexes.migration') as typeof import('./20261205190000-job-queue-covering-list-indexes.migration')).Migration20261205190000JobQueueCoveringListIndexes),
  lazyMigration('Migration20261206100000JobQueueListPagesByKey', () => (require('./20261206100000-job-queue-list-pages-by-key.migration') as typeof import('./20261206100000-job-queue-list-pages-by-key.migration')).Migration20261206100000JobQueueListPagesByKey),
  lazyMigration('Migration20261206130000JobQueueWorkerLockFreeSince', () => (require('./20261206130000-job-queue-worker-lock-free-since.migration') as typeof import('./20261206130000-job-queue-worker-lock-free-since.migration')).Migration20261206130000JobQueueWorkerLockFreeSince),
];

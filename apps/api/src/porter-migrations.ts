import type { PorterMigration } from '@porter/platform';
import { jobQueueMigrations } from '@porter/job-queue';
import { exportsMigrations } from '@porter/exports';
import { importsMigrations } from '@porter/imports';
import { directoryMigrations } from '@porter/directory';
import { schedulingMigrations } from '@porter/scheduling';
import { webhooksMigrations } from '@porter/webhooks';

/** Every module's migrations, in dependency order (each module owns its own schema). */
export const porterMigrations: PorterMigration[] = [
  ...jobQueueMigrations,
  ...exportsMigrations,
  ...importsMigrations,
  ...directoryMigrations,
  ...schedulingMigrations,
  ...webhooksMigrations,
];

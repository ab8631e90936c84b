import { lazyMigration, PorterMigration } from '@porter/platform';

// Each class is loaded when the migrator runs it, not by every process importing this list.
/* eslint-disable @typescript-eslint/no-require-imports */
export const webhooksMigrations: PorterMigration[] = [
  lazyMigration('Migration20261204160000WebhooksSchema', () => (require('./20261204160000-webhooks-schema.migration') as typeof import('./20261204160000-webhooks-schema.migration')).Migration20261204160000WebhooksSchema),
];

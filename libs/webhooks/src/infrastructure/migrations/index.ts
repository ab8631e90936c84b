import type { PorterMigration } from '@porter/platform';
import { Migration20261204160000WebhooksSchema } from './20261204160000-webhooks-schema.migration';

export const webhooksMigrations: PorterMigration[] = [{ name: 'Migration20261204160000WebhooksSchema', class: Migration20261204160000WebhooksSchema }];

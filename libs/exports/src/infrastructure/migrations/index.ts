import type { PorterMigration } from '@porter/platform';
import { Migration20261122200000ExportsSchema } from './20261122200000-exports-schema.migration';
import { Migration20261204100000ExportsRequestOptions } from './20261204100000-exports-request-options.migration';
import { Migration20261204170000ExportsNotifyEmail } from './20261204170000-exports-notify-email.migration';

export const exportsMigrations: PorterMigration[] = [
  { name: 'Migration20261122200000ExportsSchema', class: Migration20261122200000ExportsSchema },
  { name: 'Migration20261204100000ExportsRequestOptions', class: Migration20261204100000ExportsRequestOptions },
  { name: 'Migration20261204170000ExportsNotifyEmail', class: Migration20261204170000ExportsNotifyEmail },
];

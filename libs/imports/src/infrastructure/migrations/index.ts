import type { PorterMigration } from '@porter/platform';
import { Migration20261122300000ImportsSchema } from './20261122300000-imports-schema.migration';
import { Migration20261204110000ImportsSearchedAt } from './20261204110000-imports-searched-at.migration';
import { Migration20261204120000ImportsColumnMapping } from './20261204120000-imports-column-mapping.migration';
import { Migration20261204150000ImportsCompletionFeed } from './20261204150000-imports-completion-feed.migration';

export const importsMigrations: PorterMigration[] = [
  { name: 'Migration20261122300000ImportsSchema', class: Migration20261122300000ImportsSchema },
  { name: 'Migration20261204110000ImportsSearchedAt', class: Migration20261204110000ImportsSearchedAt },
  { name: 'Migration20261204120000ImportsColumnMapping', class: Migration20261204120000ImportsColumnMapping },
  { name: 'Migration20261204150000ImportsCompletionFeed', class: Migration20261204150000ImportsCompletionFeed },
];

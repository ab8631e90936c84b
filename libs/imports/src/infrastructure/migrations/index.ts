import { lazyMigration, PorterMigration } from '@porter/platform';

// Each class is loaded when the migrator runs it, not by every process importing this list.
/* eslint-disable @typescript-eslint/no-require-imports */
export const importsMigrations: PorterMigration[] = [
  lazyMigration('Migration20261122300000ImportsSchema', () => (require('./20261122300000-imports-schema.migration') as typeof import('./20261122300000-imports-schema.migration')).Migration20261122300000ImportsSchema),
  lazyMigration('Migration20261204110000ImportsSearchedAt', () => (require('./20261204110000-imports-searched-at.migration') as typeof import('./20261204110000-imports-searched-at.migration')).Migration20261204110000ImportsSearchedAt),
  lazyMigration('Migration20261204120000ImportsColumnMapping', () => (require('./20261204120000-imports-column-mapping.migration') as typeof import('./20261204120000-imports-column-mapping.migration')).Migration20261204120000ImportsColumnMapping),
  lazyMigration('Migration20261204150000ImportsCompletionFeed', () => (require('./20261204150000-imports-completion-feed.migration') as typeof import('./20261204150000-imports-completion-feed.migration')).Migration20261204150000ImportsCompletionFeed),
  lazyMigration('Migration20261205200000ImportsFailedResultsIndex', () => (require('./20261205200000-imports-failed-results-index.migration') as typeof import('./20261205200000-imports-failed-results-index.migration')).Migration20261205200000ImportsFailedResultsIndex),
  lazyMigration('Migration20261207100000ImportsResultSourceLength', () => (require('./20261207100000-imports-result-source-length.migration') as typeof import('./20261207100000-imports-result-source-length.migration')).Migration20261207100000ImportsResultSourceLength),
];

'use strict';
const base = require('./jest.base.config');

/**
 * Specs that run alone, after the others (PORTER_E2E_GROUP=serial): each loads the whole machine
 * on purpose (CPU hogs, SIGKILLs of a busy worker, a 100,000-row import, network namespaces) or
 * times what a loaded machine would slow down, so a neighbour would be measured with it. The rest
 * run two files at a time (PORTER_E2E_GROUP=parallel, `--maxWorkers=2`), each worker on its own
 * database, queue prefix and storage directory (test/support/global-setup.ts). Without a group,
 * every spec matches (one spec by path, `--runInBand`, as ever).
 */
const SERIAL = ['chaos', 'jobs-dead-worker', 'imports-crash-recovery', 'multi-host', 'process-lifecycle'];
const serialPaths = SERIAL.map((name) => `/${name}\\.e2e-spec\\.ts$`);
const group = process.env.PORTER_E2E_GROUP;

module.exports = {
  ...base,
  displayName: 'e2e',
  testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
  ...(group === 'serial' ? { testRegex: undefined, testMatch: SERIAL.map((name) => `<rootDir>/test/**/${name}.e2e-spec.ts`) } : {}),
  testPathIgnorePatterns: [...base.testPathIgnorePatterns, ...(group === 'parallel' ? serialPaths : [])],
  testEnvironment: '<rootDir>/test/support/shard-environment.js',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 180_000,
};

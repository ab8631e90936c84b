'use strict';
const base = require('./jest.base.config');
module.exports = {
  ...base,
  displayName: 'integration',
  testMatch: ['<rootDir>/{apps,libs,test}/**/*.int-spec.ts'],
  // One database, queue prefix and storage directory per jest worker (ADR 108).
  testEnvironment: '<rootDir>/test/support/shard-environment.js',
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
};

'use strict';
const { TestEnvironment } = require('jest-environment-node');

/**
 * The integration and e2e specs' environment: jest's node environment, with the process's DATABASE_URL,
 * QUEUE_PREFIX and STORAGE_DIR set to this jest worker's shard when test files run in parallel
 * (global-setup.ts makes one shard per worker and lists them in PORTER_TEST_SHARDS). Set on the
 * worker's real environment, before the sandbox copies it, so that every process a spec starts
 * (API, worker, CLI, with or without an explicit env) uses the shard too. Plain JavaScript: jest
 * loads an environment without transforming it.
 */
class PorterShardEnvironment extends TestEnvironment {
  constructor(config, context) {
    const shards = process.env.PORTER_TEST_SHARDS ? JSON.parse(process.env.PORTER_TEST_SHARDS) : [];
    if (shards.length) Object.assign(process.env, shards[(Number(process.env.JEST_WORKER_ID || '1') - 1) % shards.length]);
    super(config, context);
  }
}

module.exports = PorterShardEnvironment;

import { writeFileSync } from 'fs';
import * as path from 'path';
import * as os from 'os';
import { registerSourceAliases } from './source-aliases';
import { makeStorageDir, startTestServices, uniqueRunId, withDatabase } from './test-services';

/**
 * Jest global setup for integration and e2e runs: a fresh database (migrated), a fresh queue
 * prefix and storage directory. Values are passed to test workers through process.env.
 */
export default async function globalSetup(globalConfig?: { maxWorkers?: number }): Promise<void> {
  const services = await startTestServices();
  const runId = uniqueRunId();
  const database = `porter_test_${runId}`;
  const databaseUrl = withDatabase(services.serverDatabaseUrl, database);
  registerSourceAliases();
  const { porterMigrations } = await import('./migrations-for-tests');
  const { runMigrations } = await import('@porter/platform');
  await runMigrations(databaseUrl, porterMigrations);
  // Loading the migrations list loaded every module, and with it MikroORM's decorator metadata,
  // which MikroORM keeps on globalThis. Under --runInBand the test sandbox would inherit this
  // realm's storage (its Map objects) and discovery would fail with "Map.prototype.set called on
  // incompatible receiver"; drop it so entities register afresh inside the sandbox.
  delete (globalThis as Record<string, unknown>)['mikro-orm-metadata'];
  const storageDir = await makeStorageDir(runId);
  Object.assign(process.env, {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: services.redisUrl,
    QUEUE_PREFIX: `porter_test_${runId}`,
    STORAGE_DIR: storageDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    PORTER_TEST_RUN_ID: runId,
    // Every e2e process of a run shares one client address (127.0.0.1) and polls fast: the rate
    // limits are tested on their own (rate-limits.e2e-spec.ts), off elsewhere.
    RATE_LIMIT_ENABLED: 'false',
    PORTER_TEST_SERVER_DATABASE_URL: services.serverDatabaseUrl,
  });
  // Test files run in parallel (jest --maxWorkers N): each worker gets a database, queue prefix and
  // storage directory of its own (shards 2…N; the first is the one above), so a spec never meets
  // another's jobs, outbox rows or files. test/support/shard-environment.js applies the worker's.
  const workers = globalConfig?.maxWorkers ?? 1;
  if (workers > 1) {
    const shards = [{ DATABASE_URL: databaseUrl, QUEUE_PREFIX: process.env.QUEUE_PREFIX!, STORAGE_DIR: storageDir }];
    for (let k = 2; k <= workers; k++) {
      const shardUrl = withDatabase(services.serverDatabaseUrl, `${database}_s${k}`);
      await runMigrations(shardUrl, porterMigrations);
      shards.push({ DATABASE_URL: shardUrl, QUEUE_PREFIX: `porter_test_${runId}_s${k}`, STORAGE_DIR: await makeStorageDir(`${runId}_s${k}`) });
    }
    delete (globalThis as Record<string, unknown>)['mikro-orm-metadata'];
    process.env.PORTER_TEST_SHARDS = JSON.stringify(shards);
  }
  (globalThis as Record<string, unknown>).__porterTestServices = services;
  writeFileSync(path.join(os.tmpdir(), `porter-test-${process.pid}.json`), JSON.stringify({ runId, database }));
}

import { promises as fs } from 'fs';
import { Client } from 'pg';
import IORedis from 'ioredis';
import type { TestServices } from './test-services';

/** Drops the run's database, its queue keys (by prefix: never FLUSHALL a shared Redis) and files. */
export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as Record<string, unknown>).__porterTestServices as TestServices | undefined;
  const serverUrl = process.env.PORTER_TEST_SERVER_DATABASE_URL;
  // The run's database, and those of the parallel workers' shards (global-setup.ts), whose queue
  // prefixes start with the run's and whose storage directories are removed below.
  const shards = JSON.parse(process.env.PORTER_TEST_SHARDS ?? '[]') as Array<{ DATABASE_URL: string; STORAGE_DIR: string }>;
  const databaseUrls = [...new Set([process.env.DATABASE_URL, ...shards.map((s) => s.DATABASE_URL)].filter((u): u is string => !!u))];
  if (serverUrl && databaseUrls.length && process.env.KEEP_TEST_DATABASE !== '1') {
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    for (const databaseUrl of databaseUrls) {
      const database = new URL(databaseUrl).pathname.slice(1);
      await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    }
    await client.end();
  }
  for (const shard of shards) {
    if (shard.STORAGE_DIR !== process.env.STORAGE_DIR && shard.STORAGE_DIR.includes('porter-test-')) await fs.rm(shard.STORAGE_DIR, { recursive: true, force: true });
  }
  if (process.env.REDIS_URL && process.env.QUEUE_PREFIX?.startsWith('porter_test_')) {
    const redis = new IORedis(process.env.REDIS_URL, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.QUEUE_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
  if (process.env.STORAGE_DIR?.includes('porter-test-')) await fs.rm(process.env.STORAGE_DIR, { recursive: true, force: true });
  await services?.stop();
}

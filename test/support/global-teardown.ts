import { promises as fs } from 'fs';
import { Client } from 'pg';
import IORedis from 'ioredis';
import type { TestServices } from './test-services';

/** Drops the run's database, its queue keys (by prefix: never FLUSHALL a shared Redis) and files. */
export default async function globalTeardown(): Promise<void> {
  const services = (globalThis as Record<string, unknown>).__porterTestServices as TestServices | undefined;
  const serverUrl = process.env.PORTER_TEST_SERVER_DATABASE_URL;
  const databaseUrl = process.env.DATABASE_URL;
  if (serverUrl && databaseUrl && process.env.KEEP_TEST_DATABASE !== '1') {
    const database = new URL(databaseUrl).pathname.slice(1);
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
    await client.end();
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

import { randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * Where the tests' real Postgres and Redis are: TEST_DATABASE_URL / TEST_REDIS_URL when BOTH are
 * set (CI sets them), otherwise containers started with testcontainers (a lone TEST_* is ignored),
 * otherwise (no container runtime, as on machines without Docker) the local services on
 * 127.0.0.1, where a lone TEST_* does replace its default. Every run gets its own fresh
 * database, BullMQ prefix and storage directory, so runs never see each other's data.
 */
export interface TestServices {
  serverDatabaseUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

export async function startTestServices(): Promise<TestServices> {
  if (process.env.TEST_DATABASE_URL && process.env.TEST_REDIS_URL) {
    return { serverDatabaseUrl: process.env.TEST_DATABASE_URL, redisUrl: process.env.TEST_REDIS_URL, stop: async () => undefined };
  }
  try {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const { RedisContainer } = await import('@testcontainers/redis');
    const [pg, redis] = await Promise.all([new PostgreSqlContainer('postgres:15-alpine').start(), new RedisContainer('redis:7-alpine').start()]);
    return {
      serverDatabaseUrl: pg.getConnectionUri(),
      redisUrl: redis.getConnectionUrl(),
      stop: async () => {
        await Promise.all([pg.stop(), redis.stop()]);
      },
    };
  } catch (error) {
    process.stderr.write(
      `\n[test services] no container runtime (${(error as Error).message.split('\n')[0]}); using local Postgres and Redis on 127.0.0.1\n`,
    );
    return {
      serverDatabaseUrl: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      stop: async () => undefined,
    };
  }
}

export function uniqueRunId(): string {
  return `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function makeStorageDir(runId: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `porter-test-${runId}-`));
}

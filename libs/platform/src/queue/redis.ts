import IORedis, { Redis, RedisOptions } from 'ioredis';
import type { ConnectionOptions } from 'bullmq';

/**
 * Connection options for BullMQ. `maxRetriesPerRequest: null` is what BullMQ workers require
 * (blocking commands must wait across reconnects rather than fail).
 */
export function redisOptionsFromUrl(redisUrl: string): RedisOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname && url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
}

/** The same options in the shape BullMQ's `connection` accepts. */
export function bullConnectionFromUrl(redisUrl: string): ConnectionOptions {
  return { ...redisOptionsFromUrl(redisUrl) } as Record<string, unknown>;
}

export function createRedis(redisUrl: string, overrides: RedisOptions = {}): Redis {
  return new IORedis({ ...redisOptionsFromUrl(redisUrl), ...overrides });
}

/**
 * BullMQ loses jobs silently when Redis evicts keys. Returns a warning line when the server's
 * policy is not `noeviction`, or null when it is (or cannot be read, e.g. CONFIG disabled).
 */
export async function checkEvictionPolicy(redis: Redis): Promise<string | null> {
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply?.[1];
    if (policy && policy !== 'noeviction') {
      return `Redis maxmemory-policy is "${policy}": set it to "noeviction" or queued jobs may be evicted (Postgres still holds them; the reconciler re-enqueues)`;
    }
    return null;
  } catch {
    return null;
  }
}

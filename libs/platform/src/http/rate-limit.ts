import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TooManyRequestsError } from '@porter/shared-kernel';

/**
 * Fixed-window counters in Redis, shared by every API process. One call counts a request against
 * each of its keys in order (the client address, then the tenant): INCR, PEXPIRE on the window's
 * first hit. The first key past its limit stops the count (a refused request is not counted against
 * the keys after it) and its number, hits and remaining window are returned; 0 when none is past.
 */
const HITS = `
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
  if count > tonumber(ARGV[i + 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then redis.call('PEXPIRE', key, ARGV[1]); ttl = tonumber(ARGV[1]) end
    return { i, count, ttl }
  end
end
return { 0, 0, 0 }`;

/** The command's name on the shared client (ioredis sends it as EVALSHA, and the script once after a NOSCRIPT). */
const COMMAND = 'porterRateLimitHits';

type HitsCommand = (numberOfKeys: number, ...keysThenArgs: string[]) => Promise<[number, number, number]>;

export interface RateLimits {
  windowMs: number;
  perTenant: number;
  perAddress: number;
}

export class RateLimiter {
  private readonly logger = new Logger('RateLimit');
  private readonly hits: HitsCommand;
  private warnedAt = 0;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly limits: RateLimits,
  ) {
    if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: HITS });
    const command = (redis as unknown as Record<string, HitsCommand>)[COMMAND];
    this.hits = command.bind(redis);
  }

  /**
   * Counts one request against its client address and, once authenticated, its tenant, in one
   * round trip; throws TooManyRequestsError (429, Retry-After) past either limit. While Redis cannot
   * be reached the request is let through (logged at most once a minute): limits protect the API,
   * they must not take it down with Redis, which submissions do not need.
   */
  async check(address: string, tenant: string | null): Promise<void> {
    const window = Math.floor(Date.now() / this.limits.windowMs);
    const keys = [`${this.prefix}:rl:a:${address}:${window}`];
    const limits = [String(this.limits.perAddress)];
    if (tenant !== null) {
      keys.push(`${this.prefix}:rl:t:${tenant}:${window}`);
      limits.push(String(this.limits.perTenant));
    }
    let result: [number, number, number];
    try {
      result = await this.hits(keys.length, ...keys, String(this.limits.windowMs), ...limits);
    } catch (error) {
      if (Date.now() - this.warnedAt > 60_000) {
        this.warnedAt = Date.now();
        this.logger.warn(`rate limits not applied while Redis is unreachable: ${(error as Error).message}`);
      }
      return;
    }
    const [over, , ttlMs] = result;
    if (over === 0) return;
    const who = over === 1 ? `this address (${this.limits.perAddress} requests` : `this tenant (${this.limits.perTenant} requests`;
    throw new TooManyRequestsError(`Too many requests from ${who} per ${this.limits.windowMs / 1000} s); retry later`, Math.max(1, Math.ceil(ttlMs / 1000)));
  }
}

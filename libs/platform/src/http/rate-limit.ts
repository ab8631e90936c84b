import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TooManyRequestsError } from '@porter/shared-kernel';

/**
 * A fixed-window counter per key in Redis, shared by every API process: one INCR (+ PEXPIRE on
 * the window's first hit) per key and request, atomically in one Lua call. It answers how many
 * hits the window has had and how long it still runs.
 */
const HIT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }`;

export interface RateLimits {
  windowMs: number;
  perTenant: number;
  perAddress: number;
}

export class RateLimiter {
  private readonly logger = new Logger('RateLimit');
  private warnedAt = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: RateLimits,
  ) {}

  /**
   * Counts one request against its client address and, once authenticated, its tenant; throws
   * TooManyRequestsError (429, Retry-After) past either limit. While Redis cannot be reached the
   * request is let through (logged at most once a minute): limits protect the API, they must not
   * take it down with Redis, which submissions do not need.
   */
  async check(address: string, tenant: string | null): Promise<void> {
    const window = Math.floor(Date.now() / this.limits.windowMs);
    const checks: Array<[string, number, string]> = [[`${this.prefix}:rl:a:${address}:${window}`, this.limits.perAddress, `this address (${this.limits.perAddress} requests`]];
    if (tenant !== null) checks.push([`${this.prefix}:rl:t:${tenant}:${window}`, this.limits.perTenant, `this tenant (${this.limits.perTenant} requests`]);
    for (const [key, limit, who] of checks) {
      let result: [number, number];
      try {
        result = (await this.redis.eval(HIT, 1, key, String(this.limits.windowMs))) as [number, number];
      } catch (error) {
        if (Date.now() - this.warnedAt > 60_000) {
          this.warnedAt = Date.now();
          this.logger.warn(`rate limits not applied while Redis is unreachable: ${(error as Error).message}`);
        }
        return;
      }
      const [count, ttlMs] = result;
      if (count > limit) {
        throw new TooManyRequestsError(`Too many requests from ${who} per ${this.limits.windowMs / 1000} s); retry later`, Math.max(1, Math.ceil(ttlMs / 1000)));
      }
    }
  }
}

import IORedis from 'ioredis';
import { randomUUID } from 'crypto';
import { TooManyRequestsError } from '@porter/shared-kernel';
import { RateLimiter } from './rate-limit';

/** The limiter against the run's real Redis: both counters in one round trip, what a refusal counts. */
describe('RateLimiter (Redis)', () => {
  let redis: IORedis;
  let prefix: string;
  const limits = { windowMs: 60_000, perAddress: 5, perTenant: 3 };

  beforeAll(() => {
    redis = new IORedis(process.env.REDIS_URL!, { maxRetriesPerRequest: 1 });
  });
  beforeEach(async () => {
    prefix = `porter_rl_spec_${randomUUID().slice(0, 8)}`;
    // Windows are fixed (multiples of windowMs): each test's checks and its read of the window's
    // keys must fall in one window, so none starts in the last seconds of one.
    const left = limits.windowMs - (Date.now() % limits.windowMs);
    if (left < 5_000) await new Promise((resolve) => setTimeout(resolve, left + 50));
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  });
  afterAll(async () => {
    await redis.quit();
  });

  async function refusal(check: Promise<void>): Promise<TooManyRequestsError | null> {
    try {
      await check;
      return null;
    } catch (error) {
      if (error instanceof TooManyRequestsError) return error;
      throw error;
    }
  }

  /**
   * A MONITOR connection. ioredis fails to enter MONITOR ("Command queue state error") when another
   * client's command is fed in the same packet as MONITOR's OK, as on a busy shared Redis: again then.
   */
  async function monitorRedis(): Promise<IORedis> {
    for (let attempt = 1; ; attempt++) {
      const monitor = redis.duplicate({ monitor: true, lazyConnect: false });
      try {
        await new Promise<void>((resolve, reject) => {
          monitor.once('monitoring', () => resolve());
          monitor.once('error', reject);
        });
        return monitor;
      } catch (error) {
        monitor.disconnect();
        if (attempt === 5) throw error;
      }
    }
  }

  it('counts the address and the tenant in one command, and refuses the tenant past its limit', async () => {
    const limiter = new RateLimiter(redis, prefix, limits);
    const monitor = await monitorRedis();
    const commands: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((arg) => String(arg).startsWith(prefix))) commands.push(String(args[0]).toLowerCase());
    });
    try {
      for (let i = 0; i < 3; i++) expect(await refusal(limiter.check('10.0.0.1', 'acme'))).toBeNull();
      const refused = await refusal(limiter.check('10.0.0.1', 'acme'));
      expect(refused?.message).toContain('this tenant (3 requests per 60 s)');
      expect(refused?.retryAfterSeconds).toBeGreaterThanOrEqual(59);
      expect(refused?.retryAfterSeconds).toBeLessThanOrEqual(60);
      // Redis feeds MONITOR in command order: once this read is seen, every check before it was.
      await redis.get(`${prefix}:marker`);
      for (const deadline = Date.now() + 10_000; !commands.includes('get') && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      monitor.disconnect();
    }
    // One script call per check (the INCRs inside it are reported by MONITOR too, as "lua" entries).
    expect(commands.filter((name) => name === 'evalsha' || name === 'eval')).toHaveLength(4);
    const window = Math.floor(Date.now() / limits.windowMs);
    expect(Number(await redis.get(`${prefix}:rl:a:10.0.0.1:${window}`))).toBe(4);
    expect(Number(await redis.pttl(`${prefix}:rl:t:acme:${window}`))).toBeGreaterThan(50_000);
  });

  it('refuses on the address first, without counting the refused request against the tenant', async () => {
    const limiter = new RateLimiter(redis, prefix, { ...limits, perTenant: 100 });
    for (let i = 0; i < 5; i++) expect(await refusal(limiter.check('10.0.0.2', `t${i}`))).toBeNull();
    const refused = await refusal(limiter.check('10.0.0.2', 'late'));
    expect(refused?.message).toContain('this address (5 requests per 60 s)');
    const window = Math.floor(Date.now() / limits.windowMs);
    expect(await redis.get(`${prefix}:rl:t:late:${window}`)).toBeNull();
    // Before authentication there is only the address to count.
    expect(await refusal(limiter.check('10.0.0.3', null))).toBeNull();
  });

  it('lets requests through while Redis cannot be reached', async () => {
    const down = new IORedis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, lazyConnect: true, retryStrategy: () => null });
    try {
      const limiter = new RateLimiter(down, prefix, limits);
      for (let i = 0; i < 10; i++) expect(await refusal(limiter.check('10.0.0.5', 'acme'))).toBeNull();
    } finally {
      down.disconnect();
    }
  });
});

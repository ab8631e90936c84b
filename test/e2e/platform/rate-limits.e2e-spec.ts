import { randomUUID } from 'crypto';
import { bearer } from '../../support/int-app';
import { PorterProcess, startApi } from '../../support/processes';

/** Redis-backed rate limits shared by API processes, 429 with Retry-After; security headers on every answer. */
describe('rate limits and security headers (e2e)', () => {
  const apis: Array<{ process: PorterProcess; baseUrl: string }> = [];
  const prefix = `porter_rl_${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    const env = { RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_WINDOW_MS: '60000', RATE_LIMIT_PER_TENANT: '12', RATE_LIMIT_PER_ADDRESS: '30', QUEUE_PREFIX: prefix };
    apis.push(await startApi(env), await startApi(env));
  });
  afterAll(async () => {
    await Promise.all(apis.map((a) => a.process.stop()));
  });

  it("limits a tenant across API processes: 429 problem+json with Retry-After; another tenant is not held up", async () => {
    const noisy = bearer('ada', `t-${randomUUID()}`);
    // Windows are fixed (aligned to multiples of RATE_LIMIT_WINDOW_MS): start well inside one so
    // that the 14 requests cannot straddle a boundary, even on a slow machine.
    const intoWindow = Date.now() % 60_000;
    if (intoWindow > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoWindow + 100));
    const statuses: number[] = [];
    let limited: Response | null = null;
    for (let i = 0; i < 14; i++) {
      // Alternating between two API processes: the counter lives in Redis, not in a process.
      const res = await fetch(`${apis[i % 2].baseUrl}/api/v1/jobs`, { headers: { authorization: noisy } });
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
      else await res.arrayBuffer();
    }
    expect(statuses.slice(0, 12).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(12)).toEqual([429, 429]);
    expect(limited!.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(limited!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited!.json()).toMatchObject({ status: 429, title: 'Too Many Requests', detail: expect.stringContaining('this tenant') });

    const calm = await fetch(`${apis[0].baseUrl}/api/v1/jobs`, { headers: { authorization: bearer('bob', `t-${randomUUID()}`) } });
    expect(calm.status).toBe(200);
  });

  it('limits one client address over every tenant, and never health or metrics', async () => {
    // 14 + 1 requests went out above; this address may make 30 per window. Up to 61 tries: a
    // window that turned since (or turns meanwhile) starts the count again.
    let first429 = -1;
    for (let i = 0; i < 61 && first429 < 0; i++) {
      const res = await fetch(`${apis[0].baseUrl}/api/v1/jobs`, { headers: { authorization: bearer(`u${i}`, `t-${randomUUID()}`) } });
      await res.arrayBuffer();
      if (res.status === 429) first429 = i;
    }
    expect(first429).toBeGreaterThan(0);
    for (const path of ['/api/health', '/api/health/ready', '/metrics']) {
      expect((await fetch(`${apis[0].baseUrl}${path}`)).status).toBe(200);
    }
  });

  it('counts requests refused for their token against the address too: a flood of bad or missing tokens meets 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 61 && !statuses.includes(429); i++) {
      const res = await fetch(`${apis[1].baseUrl}/api/v1/jobs`, { headers: i % 2 ? { authorization: 'Bearer x.y.z' } : {} });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toContain(429);
    expect(new Set(statuses.slice(0, -1))).toEqual(new Set(statuses.length > 1 ? [401] : []));
  });

  it('sends security headers on API answers, problems and the docs', async () => {
    for (const path of ['/api/health', '/api/v1/jobs', '/api/docs']) {
      const res = await fetch(`${apis[1].baseUrl}${path}`);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('strict-transport-security')).toContain('max-age=');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    }
  });
});

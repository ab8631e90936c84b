import { spawn, spawnSync, ChildProcess } from 'child_process';
import { createServer } from 'net';
import { checkEvictionPolicy, createRedis } from './redis';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('Redis eviction policy check (real Redis)', () => {
  let server: ChildProcess;
  let port: number;

  beforeAll(async () => {
    // A Redis of our own, so changing its policy disturbs nothing else.
    port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const deadline = Date.now() + 10_000;
    while (spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG') {
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(() => server.kill('SIGKILL'));

  it('is silent under noeviction and warns clearly under an evicting policy', async () => {
    const redis = createRedis(`redis://127.0.0.1:${port}`);
    try {
      await redis.config('SET', 'maxmemory-policy', 'noeviction');
      expect(await checkEvictionPolicy(redis)).toBeNull();
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      expect(await checkEvictionPolicy(redis)).toContain('Redis maxmemory-policy is "allkeys-lru": set it to "noeviction"');
    } finally {
      redis.disconnect();
    }
  });
});

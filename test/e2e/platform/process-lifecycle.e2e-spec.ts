import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as net from 'net';
import * as path from 'path';
import { Client } from 'pg';
import { loadConfig, TokenVerifier } from '@porter/platform';

const verifyToken = (token: string) => new TokenVerifier(loadConfig()).verify(token);
import { freePort, spawnPorter, startApi, startWorker } from '../../support/processes';
import { waitFor } from '../../support/wait-for';
import { proxyFor } from '../../support/tcp-proxy';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** A Redis of our own, so that stopping it disturbs nothing else on the machine. */
async function startOwnRedis(port: number, extraArgs: string[] = []): Promise<ChildProcess> {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
    stdio: 'ignore',
  });
  await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG', {
    what: `redis-server on ${port}`,
  });
  return redis;
}

function stopRedis(redis: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (redis.exitCode !== null || redis.signalCode !== null) return resolve();
    redis.once('exit', () => resolve());
    redis.kill('SIGKILL');
  });
}

describe('Porter processes', () => {
  it('stops at start with one clear line naming an invalid setting', async () => {
    for (const [env, expected] of [
      [{ PORT: 'abc' }, 'porter-api: invalid configuration: PORT must be an integer, got "abc"'],
      [{ NODE_ENV: 'production', AUTH_JWT_SECRET: '' }, 'porter-api: invalid configuration: AUTH_JWT_SECRET must be set to a real secret'],
    ] as const) {
      const api = spawnPorter('api', env as Record<string, string>);
      const code = await new Promise<number | null>((r) => api.child.once('exit', r));
      expect(code).toBe(1);
      const lines = api.output().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(expected);
    }
    const worker = spawnPorter('worker', { WORKER_CONCURRENCY: 'many' });
    expect(await new Promise((r) => worker.child.once('exit', r))).toBe(1);
    expect(worker.output().trim()).toBe('porter-worker: invalid configuration: WORKER_CONCURRENCY must be an integer, got "many"');
    // Postgres unreachable: one line naming it (Nest printed ~35 coloured lines and its own dump).
    const noDatabase = `postgres://postgres@127.0.0.1:${await freePort()}/porter`;
    for (const kind of ['api', 'worker'] as const) {
      const started = spawnPorter(kind, { DATABASE_URL: noDatabase, WORKER_METRICS_PORT: '0' });
      expect(await new Promise((r) => started.child.once('exit', r))).toBe(1);
      expect(started.output().trim()).toMatch(new RegExp(`^porter-${kind}: failed to start: cannot connect to Postgres at 127\\.0\\.0\\.1:\\d+: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+$`));
    }
    // `npm start` migrates first: the same line there (it said "migration failed: …").
    const migrate = spawnSync(process.execPath, [path.join(ROOT, 'tools', 'run.js'), 'migrate'], { cwd: ROOT, env: { ...process.env, PORT: 'abc' }, encoding: 'utf8' });
    expect(migrate.status).toBe(1);
    expect((migrate.stdout + migrate.stderr).trim()).toBe('porter: invalid configuration: PORT must be an integer, got "abc"');
  });

  it('refuses to start on a database that does not exist or is not migrated (one line; nothing created), and names the host when Postgres hangs up', async () => {
    const db = new URL(process.env.DATABASE_URL as string);
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    const missing = `porter_missing_${Date.now()}`;
    const empty = `porter_empty_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${empty}`);
    // A server that accepts and hangs up at once: what pg says ("Connection terminated unexpectedly") names no host.
    const hangUp = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    const hangUpPort = (hangUp.address() as net.AddressInfo).port;
    try {
      const at = (name: string) => Object.assign(new URL(db), { pathname: `/${name}` }).toString();
      for (const kind of ['api', 'worker'] as const) {
        const cases: Array<[string, RegExp]> = [
          [at(missing), new RegExp(`^porter-${kind}: failed to start: the database "${missing}" does not exist on [^ ]+: run "npm run migrate" first \\(it creates and migrates it\\)$`)],
          [at(empty), new RegExp(`^porter-${kind}: failed to start: the database "${empty}" on [^ ]+ lacks (\\d+) of this build's \\1 migrations \\(the first: Migration\\w+\\): run "npm run migrate" first$`)],
          [`postgres://postgres@127.0.0.1:${hangUpPort}/porter`, new RegExp(`^porter-${kind}: failed to start: cannot connect to Postgres at 127\\.0\\.0\\.1:${hangUpPort}: Connection terminated unexpectedly$`)],
        ];
        for (const [url, expected] of cases) {
          const started = spawnPorter(kind, { DATABASE_URL: url, WORKER_METRICS_PORT: '0', PORT: String(await freePort()) });
          expect(await new Promise((r) => started.child.once('exit', r))).toBe(1);
          expect(started.output().trim()).toMatch(expected);
        }
      }
      // MikroORM's own ensureDatabase would have created the missing one and run on it, empty.
      expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [missing])).rowCount).toBe(0);
    } finally {
      hangUp.close();
      await admin.query(`DROP DATABASE IF EXISTS ${empty} WITH (FORCE)`);
      await admin.end();
    }
  });

  it('fails a test at once when the process it starts dies at start (no 30 s wait)', async () => {
    const started = Date.now();
    const failure = await startApi({ SHUTDOWN_GRACE_MS: 'soon' }).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/^api exited early \(code 1\)/);
    expect(failure?.message).toContain('porter-api: invalid configuration: SHUTDOWN_GRACE_MS must be an integer, got "soon"');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports Redis down within seconds and recovers without a restart', async () => {
    // The API process uses its own Redis here; stopping it disturbs nothing else.
    const redisPort = await freePort();
    let redis = await startOwnRedis(redisPort);
    const { process: api, baseUrl } = await startApi({ REDIS_URL: `redis://127.0.0.1:${redisPort}` });
    try {
      await stopRedis(redis);
      const started = Date.now();
      const down = await waitFor(
        async () => {
          const res = await fetch(`${baseUrl}/api/health/ready`, { signal: AbortSignal.timeout(3000) });
          return res.status === 503 ? res.json() : undefined;
        },
        { timeoutMs: 10_000, what: 'readiness to report Redis down' },
      );
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(down).toMatchObject({ status: 'error', details: { redis: { status: 'down' }, postgres: { status: 'up' } } });
      expect((await fetch(`${baseUrl}/api/health`)).status).toBe(200);

      redis = await startOwnRedis(redisPort);
      await waitFor(async () => (await fetch(`${baseUrl}/api/health/ready`, { signal: AbortSignal.timeout(3000) })).status === 200, {
        timeoutMs: 15_000,
        what: 'readiness to recover',
      });
      expect(api.child.exitCode).toBeNull();
    } finally {
      await api.stop('SIGTERM', 15_000);
      await stopRedis(redis);
    }
  });

  it('refuses to start without Postgres (exit 1: an orchestrator restarts it until the database is up)', async () => {
    const database = new URL(process.env.DATABASE_URL as string);
    database.port = String(await freePort()); // nothing listens there
    const api = spawnPorter('api', { DATABASE_URL: database.toString(), PORT: String(await freePort()) });
    expect(await new Promise((r) => api.child.once('exit', r))).toBe(1);
    expect(api.output()).toContain('ECONNREFUSED');
  });

  it('reports Postgres down within seconds once it goes away, and recovers without a restart', async () => {
    const { proxy, url } = await proxyFor(process.env.DATABASE_URL as string, 5432);
    const { process: api, baseUrl } = await startApi({ DATABASE_URL: url });
    const ready = () => fetch(`${baseUrl}/api/health/ready`, { signal: AbortSignal.timeout(5000) });
    try {
      await proxy.cut();
      const started = Date.now();
      const res = await waitFor(async () => {
        const r = await ready();
        return r.status === 503 ? r : undefined;
      }, { timeoutMs: 10_000, what: 'readiness to report Postgres down' });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({
        status: 'error',
        error: { postgres: { status: 'down', message: expect.any(String) } },
        details: { postgres: { status: 'down' }, redis: { status: 'up' } },
      });
      expect((await fetch(`${baseUrl}/api/health`)).status).toBe(200);

      await proxy.restore();
      await waitFor(async () => (await ready()).status === 200, { timeoutMs: 15_000, what: 'readiness to recover' });
      expect(api.child.exitCode).toBeNull();
    } finally {
      await api.stop('SIGTERM', 15_000);
      await proxy.close();
    }
  });

  it('warns at start when Redis may evict queue keys', async () => {
    const redisPort = await freePort();
    const redis = await startOwnRedis(redisPort, ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    try {
      // The API's Redis client is usually ready before the queue module initialises: the check
      // must run then too, not only on a later "ready" event.
      const { process: api } = await startApi({ REDIS_URL: `redis://127.0.0.1:${redisPort}` });
      try {
        const line = await waitFor(() => api.output().split('\n').find((l) => l.includes('maxmemory-policy')), {
          what: 'the eviction warning',
        });
        expect(JSON.parse(line)).toMatchObject({ level: 40, msg: expect.stringContaining('Redis maxmemory-policy is "allkeys-lru": set it to "noeviction"') });
      } finally {
        await api.stop('SIGTERM', 15_000);
      }
    } finally {
      await stopRedis(redis);
    }
  });

  it('stops a worker promptly and cleanly (exit 0) while Redis is unreachable: no close waits for an answer that cannot come', async () => {
    // BullMQ closes a connection it once had with QUIT, which ioredis holds for a reconnect: the
    // worker used to wait out SHUTDOWN_GRACE_MS and exit 1.
    const redisPort = await freePort();
    const redis = await startOwnRedis(redisPort);
    const worker = await startWorker({ REDIS_URL: `redis://127.0.0.1:${redisPort}`, SHUTDOWN_GRACE_MS: '10000' });
    try {
      await stopRedis(redis);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const started = Date.now();
      expect(await worker.stop('SIGTERM', 15_000)).toBe(0);
      expect(Date.now() - started).toBeLessThan(6_000);
      expect(worker.output()).not.toContain('shutdown did not finish');
    } finally {
      await stopRedis(redis);
    }
  });

  it('shuts down gracefully on SIGTERM', async () => {
    const { process: api } = await startApi();
    expect(await api.stop('SIGTERM', 20_000)).toBe(0);
  });

  /** A process using the real exitOnSignals from dist/, whose shutdown hook takes `closeMs` (or never ends). */
  function processClosingIn(closeMs: number | 'never', graceMs: number) {
    const script = `
      const { exitOnSignals } = require('@porter/platform');
      let closes = 0;
      let signalledAt = 0;
      exitOnSignals(() => { closes++; console.log('closing #' + closes); return ${closeMs === 'never' ? 'new Promise(() => {})' : `new Promise((r) => setTimeout(r, ${closeMs}))`}; }, ${graceMs}, (s) => { signalledAt = Date.now(); console.log('signal ' + s); });
      // How long the shutdown took, timed inside the process (not with the test's own delays).
      process.on('exit', () => require('fs').writeSync(1, 'shutdown took ' + (Date.now() - signalledAt) + ' ms\\n'));
      setInterval(() => {}, 1000);
      console.log('ready');`;
    const child = spawn(process.execPath, ['-r', path.join(ROOT, 'tools', 'register-aliases.js'), '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    // 'close', not 'exit': its output is all read by then.
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    return { child, exited, output: () => output };
  }

  it('ends the whole shutdown within SHUTDOWN_GRACE_MS, even when a hook hangs (exit 1)', async () => {
    const hung = processClosingIn('never', 1500);
    await waitFor(() => hung.output().includes('ready'), { what: 'the process to start' });
    hung.child.kill('SIGTERM');
    expect(await hung.exited).toBe(1);
    // Timed by the process itself: a busy test process hears of the exit late, which says nothing of it.
    const tookMs = Number(/^shutdown took (\d+) ms$/m.exec(hung.output())?.[1]);
    expect(tookMs).toBeGreaterThanOrEqual(1400);
    expect(tookMs).toBeLessThan(2500);
    expect(hung.output()).toContain('shutdown did not finish within SHUTDOWN_GRACE_MS (1500 ms)');
  });

  it('closes once however many signals arrive, and exits 0 when the hooks finish in time', async () => {
    const quick = processClosingIn(300, 5000);
    await waitFor(() => quick.output().includes('ready'), { what: 'the process to start' });
    quick.child.kill('SIGTERM');
    await waitFor(() => quick.output().includes('closing #1'), { what: 'the shutdown to begin' });
    quick.child.kill('SIGINT'); // e.g. a terminal's Ctrl-C after `npm start` forwarded SIGTERM
    expect(await quick.exited).toBe(0);
    expect(quick.output()).not.toContain('closing #2');
    expect(quick.output().match(/^signal /gm)).toHaveLength(1);
  });

  // `npm run token` is `porter token` (tools/porter-cli.js, apps/cli).
  it('prints a working token with npm run token', async () => {
    const out = spawnSync(process.execPath, ['./tools/porter-cli.js', 'token', '--user', 'alice', '--tenant', 'acme', '--admin', '--scopes', 's1,s2'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: process.env,
    });
    expect(out.status).toBe(0);
    const principal = await verifyToken(out.stdout.trim());
    expect(principal.toJSON()).toEqual({ userId: 'alice', tenant: 'acme', roles: ['admin'], scopes: ['s1', 's2'], kind: 'user' });
    const app = spawnSync(process.execPath, ['./tools/porter-cli.js', 'token', '--app', 'billing-sync', '--tenant', 'acme'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: process.env,
    });
    expect(app.status).toBe(0);
    expect((await verifyToken(app.stdout.trim())).toJSON()).toMatchObject({ userId: 'billing-sync', kind: 'app' });
    const ops = spawnSync(process.execPath, ['./tools/porter-cli.js', 'token', '--user', 'ops', '--tenant', 'acme', '--operator'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: process.env,
    });
    expect(ops.status).toBe(0);
    const operator = await verifyToken(ops.stdout.trim());
    expect({ roles: operator.roles, isOperator: operator.isOperator, isAdmin: operator.isAdmin }).toEqual({ roles: ['operator'], isOperator: true, isAdmin: false });
    const usage = spawnSync(process.execPath, ['./tools/porter-cli.js', 'token'], { cwd: ROOT, encoding: 'utf8' });
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain("required option '--tenant <tenant>' not specified");
    const neither = spawnSync(process.execPath, ['./tools/porter-cli.js', 'token', '--tenant', 'acme'], { cwd: ROOT, encoding: 'utf8' });
    expect(neither.status).toBe(2);
    expect(neither.stderr).toContain('usage: porter token (--user <id> | --app <name>)');
    const both = spawnSync(process.execPath, ['./tools/porter-cli.js', 'token', '--user', 'a', '--app', 'b', '--tenant', 'acme'], { cwd: ROOT, encoding: 'utf8' });
    expect(both.status).toBe(2);
  });
});

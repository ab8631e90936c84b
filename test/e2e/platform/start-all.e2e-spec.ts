import { ChildProcess, spawn, spawnSync } from 'child_process';
import { createServer, Server } from 'net';
import * as path from 'path';
import { freePort } from '../../support/processes';
import { waitFor } from '../../support/wait-for';

const ROOT = path.resolve(__dirname, '..', '..', '..');

/** `npm start`'s launcher (tools/start-all.js) with the run's environment, over the built dist/. */
function startAll(env: Record<string, string>) {
  const child = spawn(process.execPath, [path.join(ROOT, 'tools', 'start-all.js')], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => output };
}

const childPids = (parent: ChildProcess): number[] =>
  spawnSync('ps', ['-o', 'pid=', '--ppid', String(parent.pid)], { encoding: 'utf8' })
    .stdout.split('\n')
    .map((l) => Number(l.trim()))
    .filter((pid) => pid > 0);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start launcher (tools/start-all.js)', () => {
  it('exits non-zero when the API crashes, after stopping the worker', async () => {
    // The API cannot listen on a port that is taken: it exits 1 at start, the worker does not.
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const launcher = startAll({ PORT: String(port), WORKER_METRICS_PORT: String(await freePort()) });
      const pids = await waitFor(() => (childPids(launcher.child).length === 2 ? childPids(launcher.child) : undefined), {
        what: 'the launcher to start both children',
      });
      expect(await launcher.exited).toBe(1);
      expect(launcher.output()).toContain('porter: api exited (1); stopping');
      expect(launcher.output()).not.toContain('porter: worker exited');
      // The launcher waited for the worker: no child outlived it.
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('stops both children on SIGTERM and exits 0 when both stop cleanly', async () => {
    const port = await freePort();
    const launcher = startAll({ PORT: String(port), WORKER_METRICS_PORT: String(await freePort()) });
    try {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/api/health/ready`).catch(() => null))?.status === 200, {
        timeoutMs: 30_000,
        what: 'the API to be ready',
      });
      await waitFor(() => launcher.output().includes('Porter worker started'), { timeoutMs: 30_000, what: 'the worker to start' });
      const pids = childPids(launcher.child);
      launcher.child.kill('SIGTERM');
      expect(await launcher.exited).toBe(0);
      expect(launcher.output()).toContain('Received SIGTERM: draining');
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      if (launcher.child.exitCode === null) launcher.child.kill('SIGKILL');
    }
  });
});

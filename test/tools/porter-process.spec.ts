import { spawnSync } from 'child_process';
import { porterArgs, porterEnv } from '../../tools/porter-process';

describe('how a Porter process is started (tools/porter-process.js)', () => {
  it('gives workers two malloc arenas, a capped old space, 8 MB semi-spaces and a fixed heap growing factor, and leaves the api and migrate alone', () => {
    expect(porterEnv('worker', { PATH: '/bin' })).toEqual({ PATH: '/bin', MALLOC_ARENA_MAX: '2' });
    expect(porterEnv('api', { PATH: '/bin' })).toEqual({ PATH: '/bin' });
    expect(porterEnv('migrate', {})).toEqual({});
    expect(porterArgs('worker')).toContain('--max-old-space-size=192');
    expect(porterArgs('worker')).toContain('--max-semi-space-size=8');
    expect(porterArgs('worker')).toContain('--heap-growing-percent=75');
    expect(porterArgs('api')).not.toContain('--max-semi-space-size=8');
    expect(porterArgs('api')).not.toContain('--heap-growing-percent=75');
  });

  it("puts an operator's PORTER_WORKER_NODE_ARGS after Porter's flags, so that theirs win", () => {
    const saved = process.env.PORTER_WORKER_NODE_ARGS;
    process.env.PORTER_WORKER_NODE_ARGS = '--max-semi-space-size=16';
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const args: string[] = require('../../tools/porter-process').porterArgs('worker');
        expect(args.lastIndexOf('--max-semi-space-size=16')).toBeGreaterThan(args.indexOf('--max-semi-space-size=8'));
      });
    } finally {
      if (saved === undefined) delete process.env.PORTER_WORKER_NODE_ARGS;
      else process.env.PORTER_WORKER_NODE_ARGS = saved;
    }
  });

  it("keeps an operator's own MALLOC_ARENA_MAX", () => {
    expect(porterEnv('worker', { MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4');
  });

  it('refuses an unknown kind', () => {
    expect(() => porterEnv('scheduler' as 'api', {})).toThrow('unknown Porter process kind "scheduler"');
  });

  it('starts a Node.js that accepts every worker flag (an unknown V8 flag would stop the worker at start)', () => {
    const flags = porterArgs('worker').filter((arg) => arg.startsWith('--'));
    const child = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(child.stdout).toBe('ok');
  });

  it('the environment reaches the started process (glibc reads it at start)', () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.env.MALLOC_ARENA_MAX))'], {
      env: porterEnv('worker', { PATH: process.env.PATH }),
      encoding: 'utf8',
    });
    expect(child.stdout).toBe('2');
  });
});

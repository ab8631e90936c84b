import { spawnSync } from 'child_process';
import { porterArgs, porterEnv } from '../../tools/porter-process';

describe('how a Porter process is started (tools/porter-process.js)', () => {
  it('gives workers two malloc arenas and a capped old space, and leaves the api and migrate alone', () => {
    expect(porterEnv('worker', { PATH: '/bin' })).toEqual({ PATH: '/bin', MALLOC_ARENA_MAX: '2' });
    expect(porterEnv('api', { PATH: '/bin' })).toEqual({ PATH: '/bin' });
    expect(porterEnv('migrate', {})).toEqual({});
    expect(porterArgs('worker')).toContain('--max-old-space-size=192');
  });

  it("keeps an operator's own MALLOC_ARENA_MAX", () => {
    expect(porterEnv('worker', { MALLOC_ARENA_MAX: '4' }).MALLOC_ARENA_MAX).toBe('4');
  });

  it('refuses an unknown kind', () => {
    expect(() => porterEnv('scheduler' as 'api', {})).toThrow('unknown Porter process kind "scheduler"');
  });

  it('the environment reaches the started process (glibc reads it at start)', () => {
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.env.MALLOC_ARENA_MAX))'], {
      env: porterEnv('worker', { PATH: process.env.PATH }),
      encoding: 'utf8',
    });
    expect(child.stdout).toBe('2');
  });
});

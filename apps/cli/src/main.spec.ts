import { porterInProcess } from '../../../test/cli/porter-in-process';

const exitCodeOf = (...args: string[]) => porterInProcess(args);

describe('porter exit codes for usage', () => {
  it('a command group without its subcommand is a usage error (exit 2, help on stderr)', async () => {
    const jobs = await exitCodeOf('jobs');
    expect(jobs.code).toBe(2);
    expect(jobs.stdout).toBe('');
    expect(jobs.stderr).toContain('Usage: porter jobs [options] [command]');
    expect((await exitCodeOf()).code).toBe(2);
    expect((await exitCodeOf('jobs', 'frobnicate')).code).toBe(2);
  });

  it('help asked for exits 0, on stdout', async () => {
    for (const args of [['--help'], ['jobs', '--help'], ['help', 'jobs'], ['jobs', 'help', 'ls'], ['jobs', 'ls', '--help']]) {
      const asked = await exitCodeOf(...args);
      expect({ args, code: asked.code }).toEqual({ args, code: 0 });
      expect(asked.stdout).toContain('Usage: porter');
    }
  });
});

import { run } from './main';

/** `porter ARGS` in process, its help and messages caught rather than printed. */
async function exitCodeOf(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await run(['node', 'porter', ...args]), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

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

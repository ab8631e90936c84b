import { PassThrough } from 'stream';
import { ConfigError } from '@porter/platform';
import { parseSeedArgs, progressBar, SEED_USAGE } from './seed';

describe('npm run seed: arguments', () => {
  const refused = (...argv: string[]) => {
    try {
      parseSeedArgs(argv);
    } catch (error) {
      return error;
    }
    throw new Error(`${argv.join(' ')} was accepted`);
  };

  it('refuses an unknown option, a negative count and a missing value with the usage line (a ConfigError: exit 2), not a stack trace', () => {
    for (const argv of [
      ['--tenant', 's1', '--bogus'],
      ['--tenant', 's1', '--employees', '-5'],
      ['--tenant', 's1', '--employees=-5'],
      ['--tenant', 's1', '--employees'],
      ['--tenant', 's1', '--employees', 'many'],
      ['--employees', '5'],
    ]) {
      const error = refused(...argv) as Error;
      expect({ argv, configError: error instanceof ConfigError }).toEqual({ argv, configError: true });
      expect(error.message).toContain(SEED_USAGE);
    }
    expect((refused('--tenant', 's1', '--bogus') as Error).message).toBe(`Unknown option '--bogus' ${SEED_USAGE}`);
    expect((refused('--tenant', 's1', '--employees', '-5') as Error).message).toBe(`--employees must be a non-negative integer. ${SEED_USAGE}`);
  });

  it('takes --help as asked for, and a negative --seed as the integer it is', () => {
    expect(parseSeedArgs(['--help']).help).toBe(true);
    expect(parseSeedArgs(['-h']).help).toBe(true);
    expect(parseSeedArgs(['--tenant', 's1', '--employees', '5', '--seed', '-3'])).toEqual({ help: false, tenant: 's1', count: 5, scopes: 10, seed: -3, append: false });
  });
});

describe('npm run seed: progress bar', () => {
  const written = (isTTY: boolean) => {
    const stream = Object.assign(new PassThrough(), { isTTY });
    let text = '';
    stream.on('data', (c) => (text += c));
    const bar = progressBar(stream, 's1');
    bar.draw(50, 100, true);
    bar.draw(100, 100, true);
    bar.end();
    return text;
  };

  it('is drawn on a terminal only: nothing when stderr is a pipe or a file', () => {
    expect(written(false)).toBe('');
    const tty = written(true);
    expect(tty).toMatch(/^\rseeding s1 \[#{15}-{15}\]  50% 50\/100 rows/);
    expect(tty).toMatch(/\rseeding s1 \[#{30}\] 100% 100\/100 rows \d+ rows\/s\n$/);
  });
});

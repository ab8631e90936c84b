import { readFileSync } from 'fs';
import * as path from 'path';
import { CONFIG_SETTINGS } from '@porter/platform';

const README = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');

describe('README', () => {
  it.each(CONFIG_SETTINGS.map((s) => [s.env]))('documents the setting %s', (env) => {
    expect(README).toMatch(new RegExp(`^\\| \`${env}\` \\|`, 'm'));
  });

  it('names the test command that CI runs', () => {
    const ci = readFileSync(path.resolve(__dirname, '..', '..', '.ci', 'run'), 'utf8');
    expect(README).toContain('npm test');
    expect(ci).toMatch(/^npm test$/m);
  });
});

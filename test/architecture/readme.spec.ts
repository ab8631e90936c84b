import { existsSync, readdirSync, readFileSync } from 'fs';
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

describe('project docs stand alone in a clone', () => {
  const root = path.resolve(__dirname, '..', '..');
  const docs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? docs(path.join(dir, e.name)) : e.name.endsWith('.md') ? [path.join(dir, e.name)] : []));
  const files = [path.join(root, 'README.md'), ...docs(path.join(root, 'docs'))];

  it.each(files.map((f) => [path.relative(root, f)]))('%s links only to files inside the repository that exist', (file) => {
    const text = readFileSync(path.join(root, file), 'utf8');
    const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^(https?:|mailto:|#)/.test(t));
    const broken = targets.filter((target) => {
      const resolved = path.resolve(path.dirname(path.join(root, file)), decodeURIComponent(target.split('#')[0]));
      return !resolved.startsWith(root + path.sep) || !existsSync(resolved);
    });
    expect(broken).toEqual([]);
    expect(text).not.toMatch(/\.\.\/shared\//);
  });
});

import { readdirSync, readFileSync } from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const LIMIT = 350;

/** Every TypeScript source file under libs/<lib>/src, tests excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name) ? [full] : [];
  });
}

describe('room sizes', () => {
  it(`no source file under libs/*/src is over ${LIMIT} lines (split by responsibility, docs/architecture.md)`, () => {
    const libs = readdirSync(path.join(ROOT, 'libs'), { withFileTypes: true }).filter((d) => d.isDirectory());
    const files = libs.flatMap((lib) => sources(path.join(ROOT, 'libs', lib.name, 'src')));
    expect(files.length).toBeGreaterThan(100);
    const over = files
      .map((file) => ({ file: path.relative(ROOT, file), lines: readFileSync(file, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > LIMIT);
    expect(over).toEqual([]);
  });
});

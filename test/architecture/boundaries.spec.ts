import { spawnSync } from 'child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');
const CONFIG = path.join(ROOT, '.dependency-cruiser.cjs');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'boundary-violation');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** The violations depcruise finds (its JSON report; that output type always exits 0). */
function cruise(cwd: string, targets: string[]): Violation[] {
  const result = spawnSync(DEPCRUISE, [...targets, '--config', CONFIG, '--output-type', 'json'], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`depcruise failed:\n${result.stderr}`);
  return (JSON.parse(result.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** Every fixture file says which rule it breaks: `// breaks <rule-name>...` on its first line. */
function fixtureClaims(dir: string, base = dir): Array<{ file: string; rule: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return fixtureClaims(full, base);
    if (!entry.name.endsWith('.ts')) return [];
    const rule = /^\/\/ breaks ([a-z-]+)/.exec(readFileSync(full, 'utf8'))?.[1];
    return rule ? [{ file: path.relative(base, full).split(path.sep).join('/'), rule }] : [];
  });
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const RULES: string[] = (require(CONFIG) as { forbidden: Array<{ name: string }> }).forbidden.map((r) => r.name);

describe('module boundaries (dependency-cruiser)', () => {
  let fixtureDir: string;
  let fixture: Violation[];

  beforeAll(() => {
    // The fixture is copied out of the repo so that its paths (libs/..., apps/...) are seen
    // exactly as the real tree's are; node_modules is linked so that framework imports resolve.
    fixtureDir = mkdtempSync(path.join(os.tmpdir(), 'porter-boundaries-'));
    cpSync(FIXTURE, fixtureDir, { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(fixtureDir, 'node_modules'), 'dir');
    fixture = cruise(fixtureDir, ['apps', 'libs']);
  }, 60_000);

  afterAll(() => rmSync(fixtureDir, { recursive: true, force: true }));

  it('has a fixture file for every rule of the config', () => {
    expect(RULES.length).toBeGreaterThanOrEqual(12);
    expect([...new Set(fixtureClaims(FIXTURE).map((c) => c.rule))].sort()).toEqual([...RULES].sort());
  });

  it.each(RULES.map((rule) => [rule]))('fires %s on the fixture file that breaks it', (rule) => {
    const claimed = fixtureClaims(FIXTURE)
      .filter((c) => c.rule === rule)
      .map((c) => c.file);
    const firedFrom = fixture.filter((v) => v.rule.name === rule).map((v) => v.from);
    expect(firedFrom.filter((from) => claimed.includes(from))).not.toEqual([]);
  });

  it('passes the real tree', () => {
    const violations = cruise(ROOT, ['apps', 'libs', 'test', 'bench']);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  }, 60_000);
});

import { spawnSync } from 'child_process';
import { cpSync, mkdtempSync, rmSync } from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const DEPCRUISE = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string, targets: string[]) {
  const result = spawnSync(DEPCRUISE, [...targets, '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], {
    cwd,
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('module boundaries (dependency-cruiser)', () => {
  let fixtureDir: string;

  beforeAll(() => {
    // The fixture is copied out of the repo so that its paths (libs/..., apps/...) are seen
    // exactly as the real tree's are.
    fixtureDir = mkdtempSync(path.join(os.tmpdir(), 'porter-boundaries-'));
    cpSync(path.join(ROOT, 'test', 'fixtures', 'boundary-violation'), fixtureDir, { recursive: true });
  });

  afterAll(() => rmSync(fixtureDir, { recursive: true, force: true }));

  it('fails the fixture, naming every broken rule', () => {
    const { status, output } = cruise(fixtureDir, ['apps', 'libs']);
    expect(status).not.toBe(0);
    for (const rule of [
      'no-deep-import-between-libs',
      'no-deep-import-from-apps',
      'domain-is-pure',
      'public-is-contract-only',
      'no-circular',
    ]) {
      expect(output).toContain(rule);
    }
  });

  it('passes the real tree', () => {
    const { status, output } = cruise(ROOT, ['apps', 'libs', 'test', 'bench']);
    expect(output).not.toContain('error');
    expect(status).toBe(0);
  }, 60_000);
});

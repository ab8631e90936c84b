import { mkdtempSync, statSync, writeFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { existsSync } from 'fs';
import { configFile, DEFAULT_URL, readStoredConfig, removeStoredConfig, resolveConnection, writeStoredConfig } from './config';
import { ApiProblemError, EXIT, retryAfterSeconds } from './errors';
import { failedRowsPath } from './commands/import';

describe('CLI configuration', () => {
  const home = () => mkdtempSync(path.join(os.tmpdir(), 'porter-cli-config-'));

  it('stores the login under XDG_CONFIG_HOME/porter, readable by its owner only', () => {
    const env = { XDG_CONFIG_HOME: home() };
    const file = configFile(env);
    expect(file).toBe(path.join(env.XDG_CONFIG_HOME, 'porter', 'config.json'));
    writeStoredConfig({ url: 'http://porter.example:3000', token: 'T1' }, file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readStoredConfig(file)).toEqual({ url: 'http://porter.example:3000', token: 'T1' });
  });

  it('takes flags, then PORTER_URL/PORTER_TOKEN, then the stored login, then the local default', () => {
    const env: NodeJS.ProcessEnv = { XDG_CONFIG_HOME: home() };
    expect(resolveConnection({}, env)).toEqual({ url: DEFAULT_URL, token: null });
    writeStoredConfig({ url: 'http://stored:1/', token: 'stored' }, configFile(env));
    expect(resolveConnection({}, env)).toEqual({ url: 'http://stored:1', token: 'stored' });
    env.PORTER_URL = 'http://env:2';
    env.PORTER_TOKEN = 'env';
    expect(resolveConnection({}, env)).toEqual({ url: 'http://env:2', token: 'env' });
    expect(resolveConnection({ url: 'http://flag:3', token: 'flag' }, env)).toEqual({ url: 'http://flag:3', token: 'flag' });
    // Not an http(s) URL: a usage error (exit 2) naming where it came from.
    expect(() => resolveConnection({ url: 'not-a-url' }, env)).toThrow('--url: "not-a-url" is not an http(s) URL (for example http://127.0.0.1:3000)');
    expect(() => resolveConnection({}, { ...env, PORTER_URL: 'ftp://x' })).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringMatching(/^PORTER_URL: "ftp:\/\/x"/) }));
  });

  it('says whether logout removed a stored login (false the second time)', () => {
    const file = configFile({ XDG_CONFIG_HOME: home() });
    writeStoredConfig({ token: 'T1' }, file);
    expect(removeStoredConfig(file)).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(removeStoredConfig(file)).toBe(false);
  });

  it('ignores a stored file it cannot read as JSON', () => {
    const env = { XDG_CONFIG_HOME: home() };
    const file = configFile(env);
    writeStoredConfig({}, file);
    writeFileSync(file, '{not json');
    expect(readStoredConfig(file)).toEqual({});
  });

  it('maps API problems to exit codes: credentials 3, invalid requests 2, try later 4, other refusals 1', () => {
    const code = (status: number) => new ApiProblemError({ title: 't', status }).exitCode;
    expect([401, 403].map(code)).toEqual([EXIT.unreachable, EXIT.unreachable]);
    expect([400, 413, 415, 422].map(code)).toEqual([2, 2, 2, 2]);
    expect(code(429)).toBe(4);
    // Retry-After (seconds, or an HTTP date) ends a 429's message: when to try again.
    expect(new ApiProblemError({ title: 'Too Many Requests', status: 429, detail: 'The tenant has too many jobs waiting.', retryAfterSeconds: 19 }).message).toBe(
      'Too Many Requests (429): The tenant has too many jobs waiting; retry in 19 s',
    );
    expect(retryAfterSeconds('19')).toBe(19);
    expect(retryAfterSeconds(new Date(Date.parse('2026-12-07T05:00:30Z')).toUTCString(), Date.parse('2026-12-07T05:00:00Z'))).toBe(30);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('soon')).toBeUndefined();
    expect([404, 409, 500].map(code)).toEqual([1, 1, 1]);
  });

  it('saves failed rows beside the imported file', () => {
    expect(failedRowsPath('/data/people.csv')).toBe('/data/people.failed-rows.csv');
    expect(failedRowsPath('/data/staff.v2.xlsx')).toBe('/data/staff.v2.failed-rows.csv');
  });
});

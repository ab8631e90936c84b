import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { homedir } from 'os';
import * as path from 'path';
import { CliError, EXIT } from './errors';

export interface StoredConfig {
  url?: string;
  token?: string;
}

export const DEFAULT_URL = 'http://127.0.0.1:3000';

/** ~/.config/porter/config.json (or under $XDG_CONFIG_HOME): written by `porter login`. */
export function configFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(base, 'porter', 'config.json');
}

export function readStoredConfig(file = configFile()): StoredConfig {
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as StoredConfig) : {};
  } catch {
    return {};
  }
}

/** The file holds a bearer token: only its owner may read it (0600, in a 0700 directory). */
export function writeStoredConfig(config: StoredConfig, file = configFile()): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/** Removes the stored login; false when there was none to remove. */
export function removeStoredConfig(file = configFile()): boolean {
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}

/**
 * Flags first, then PORTER_URL / PORTER_TOKEN, then what `porter login` stored. A URL that is not
 * http(s) is a usage error naming where it came from, not an "unreachable" API.
 */
export function resolveConnection(flags: { url?: string; token?: string }, env: NodeJS.ProcessEnv = process.env): { url: string; token: string | null } {
  const stored = readStoredConfig(configFile(env));
  const [raw, from] = flags.url ? [flags.url, '--url'] : env.PORTER_URL ? [env.PORTER_URL, 'PORTER_URL'] : stored.url ? [stored.url, 'the stored login'] : [DEFAULT_URL, 'the default'];
  let parsed: URL | null = null;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = null;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) {
    throw new CliError(`${from}: "${raw}" is not an http(s) URL (for example http://127.0.0.1:3000)`, EXIT.usage);
  }
  const url = raw.replace(/\/+$/, '');
  const token = flags.token || env.PORTER_TOKEN || stored.token || null;
  return { url, token };
}

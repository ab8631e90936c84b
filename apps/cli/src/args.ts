import { InvalidArgumentError } from 'commander';

/**
 * Parsers of option values shared by the commands. A value they refuse is a commander usage error
 * (exit 2) naming the option.
 */

/** `--limit 20`: a whole number. */
export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number, got "${value}"`);
  return Number(value);
}

/** `--columns a,b`: the comma-separated items, trimmed, empty ones dropped. */
export function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `--filter k=v`, repeatable; `true`/`false` become booleans, anything else stays a string. */
export function collectFilter(value: string, previous: Record<string, unknown>): Record<string, unknown> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  const key = value.slice(0, at);
  const raw = value.slice(at + 1);
  return { ...previous, [key]: raw === 'true' ? true : raw === 'false' ? false : raw };
}

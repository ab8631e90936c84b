/** `--name value` or `--name=value` from the bench's command line (npm run bench:x -- --rows 1000). */
export function benchArg(name: string, argv: readonly string[] = process.argv.slice(2)): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

/** A positive integer option, or the fallback; anything else stops the bench with one clear line. */
export function benchCount(name: string, fallback: number): number {
  const raw = benchArg(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`bench: --${name} must be a positive integer, got "${raw}"\n`);
    process.exit(2);
  }
  return value;
}

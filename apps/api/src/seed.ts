import { parseArgs } from 'util';
import { ConfigError, createPgPool, loadConfig, runMigrations } from '@porter/platform';
import { seedEmployees } from '@porter/directory';
import { porterMigrations } from './porter-migrations';

/**
 * `npm run seed -- --tenant demo --employees 100000 [--scopes 10] [--seed 42] [--append]`
 * Seeds the directory's employees with COPY (fast), printing a progress bar on stderr.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tenant: { type: 'string' },
      employees: { type: 'string', default: '1000' },
      scopes: { type: 'string', default: '10' },
      seed: { type: 'string', default: '42' },
      append: { type: 'boolean', default: false },
    },
  });
  const usage = 'usage: npm run seed -- --tenant <tenant> --employees <n> [--scopes 10] [--seed 42] [--append]';
  if (!values.tenant) throw new ConfigError(usage);
  const count = Number(values.employees);
  const scopes = Number(values.scopes);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 0) throw new ConfigError(`--employees must be a non-negative integer. ${usage}`);
  if (!Number.isInteger(scopes) || scopes < 1 || scopes > 99) throw new ConfigError('--scopes must be between 1 and 99');
  if (!Number.isInteger(seed)) throw new ConfigError('--seed must be an integer');

  const config = loadConfig();
  await runMigrations(config.databaseUrl, porterMigrations);
  const pool = createPgPool(config.databaseUrl, 2);
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  const draw = (written: number, total: number, force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < (tty ? 100 : 2000)) return;
    lastDraw = now;
    const ratio = total ? written / total : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    const rate = Math.round(written / Math.max(0.001, (now - started) / 1000));
    const line = `seeding ${values.tenant} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${written}/${total} rows ${rate} rows/s`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
  };
  try {
    const written = await seedEmployees(pool, {
      tenant: values.tenant,
      count,
      scopes,
      seed,
      replace: !values.append,
      onProgress: (w, t) => draw(w, t),
    });
    draw(written, count, true);
    if (tty) process.stderr.write('\n');
    process.stdout.write(`porter: seeded ${written} employees for tenant "${values.tenant}" in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await pool.end();
  }
}

main().catch((error) => {
  process.stderr.write(`porter: seed failed: ${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});

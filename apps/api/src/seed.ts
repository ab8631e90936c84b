import { parseArgs } from 'util';
import { ConfigError, createPgPool, loadConfig, runMigrations } from '@porter/platform';
import { seedEmployees } from '@porter/directory';
import { porterMigrations } from './porter-migrations';

export const SEED_USAGE = 'usage: npm run seed -- --tenant <tenant> --employees <n> [--scopes 10] [--seed 42] [--append]';

export interface SeedArgs {
  help: boolean;
  tenant: string;
  count: number;
  scopes: number;
  seed: number;
  append: boolean;
}

const NUMBER_OPTIONS = ['--employees', '--scopes', '--seed'];
const NEGATIVE = /^-\d/;

/**
 * The seed's arguments, or a ConfigError (exit 2, one line with the usage) for anything it does
 * not take: an unknown option, a missing or bad value. `--help` is asked for, not an error.
 */
export function parseSeedArgs(argv: string[]): SeedArgs {
  // `--employees -5` (or a negative `--seed`, which is fine): parseArgs takes a value starting
  // with a dash for an option of its own and refuses it as ambiguous. Joined as `--employees=-5`
  // it is read as the value it is, and refused (or taken) by the checks below.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (NUMBER_OPTIONS.includes(argv[i]) && NEGATIVE.test(argv[i + 1] ?? '')) args.push(`${argv[i]}=${argv[++i]}`);
    else args.push(argv[i]);
  }
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        tenant: { type: 'string' },
        employees: { type: 'string', default: '1000' },
        scopes: { type: 'string', default: '10' },
        seed: { type: 'string', default: '42' },
        append: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    // ERR_PARSE_ARGS_UNKNOWN_OPTION and the like: the first line of Node's message, then the usage.
    if (!String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS_')) throw error;
    throw new ConfigError(`${(error as Error).message.split('\n')[0]} ${SEED_USAGE}`);
  }
  if (values.help) return { help: true, tenant: '', count: 0, scopes: 0, seed: 0, append: false };
  if (!values.tenant) throw new ConfigError(SEED_USAGE);
  const count = Number(values.employees);
  const scopes = Number(values.scopes);
  const seed = Number(values.seed);
  if (!Number.isInteger(count) || count < 0) throw new ConfigError(`--employees must be a non-negative integer. ${SEED_USAGE}`);
  if (!Number.isInteger(scopes) || scopes < 1 || scopes > 99) throw new ConfigError('--scopes must be between 1 and 99');
  if (!Number.isInteger(seed)) throw new ConfigError('--seed must be an integer');
  return { help: false, tenant: values.tenant, count, scopes, seed, append: values.append };
}

/**
 * A progress bar redrawn in place on `stream`, only when it is a terminal: in a log or a pipe
 * its lines would be noise (the result line on stdout says what was seeded).
 */
export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean }, tenant: string, started = Date.now()): { draw: (written: number, total: number, force?: boolean) => void; end: () => void } {
  const tty = stream.isTTY === true;
  let lastDraw = 0;
  let drawn = false;
  return {
    draw(written, total, force = false) {
      const now = Date.now();
      if (!tty || (!force && now - lastDraw < 100)) return;
      lastDraw = now;
      drawn = true;
      const ratio = total ? written / total : 1;
      const width = 30;
      const filled = Math.round(ratio * width);
      const rate = Math.round(written / Math.max(0.001, (now - started) / 1000));
      stream.write(`\rseeding ${tenant} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${written}/${total} rows ${rate} rows/s`);
    },
    end() {
      if (drawn) stream.write('\n');
    },
  };
}

/**
 * `npm run seed -- --tenant demo --employees 100000 [--scopes 10] [--seed 42] [--append]`
 * Seeds the directory's employees with COPY (fast), with a progress bar on stderr when it is a
 * terminal.
 */
async function main(): Promise<void> {
  const args = parseSeedArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${SEED_USAGE}\n`);
    return;
  }
  const config = loadConfig();
  await runMigrations(config.databaseUrl, porterMigrations);
  const pool = createPgPool(config.databaseUrl, 2);
  const started = Date.now();
  const bar = progressBar(process.stderr, args.tenant, started);
  try {
    const written = await seedEmployees(pool, {
      tenant: args.tenant,
      count: args.count,
      scopes: args.scopes,
      seed: args.seed,
      replace: !args.append,
      onProgress: (w, t) => bar.draw(w, t),
    });
    bar.draw(written, args.count, true);
    bar.end();
    process.stdout.write(`porter: seeded ${written} employees for tenant "${args.tenant}" in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } finally {
    await pool.end();
  }
}

// Run as the script only: the spec imports the parser and the bar without seeding anything.
if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`porter: seed failed: ${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  });
}

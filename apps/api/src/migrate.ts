import { loadConfigOrExit, runMigrations } from '@porter/platform';
import { porterMigrations } from './porter-migrations';

async function main(): Promise<void> {
  // `npm start` migrates first: a bad setting is reported here, as the processes would report it.
  const config = loadConfigOrExit('porter');
  const applied = await runMigrations(config.databaseUrl, porterMigrations);
  process.stdout.write(applied.length ? `porter: applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'porter: database is up to date\n');
}

main().catch((error) => {
  // One line (a database that cannot be reached, a statement Postgres refused): what to act on.
  process.stderr.write(`porter: migration failed: ${(error as Error).message}\n`);
  process.exit(1);
});

import { ConfigError, loadConfig, runMigrations } from '@porter/platform';
import { porterMigrations } from './porter-migrations';

async function main(): Promise<void> {
  const config = loadConfig();
  const applied = await runMigrations(config.databaseUrl, porterMigrations);
  process.stdout.write(applied.length ? `porter: applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'porter: database is up to date\n');
}

main().catch((error) => {
  process.stderr.write(`porter: migration failed: ${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});

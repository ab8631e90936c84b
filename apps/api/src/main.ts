import './tracing';
import 'reflect-metadata';
import { consoleAsJsonLines, exitOnSignals, exitOnStartFailure, loadConfigOrExit } from '@porter/platform';

/**
 * The HTTP process. Configuration is validated before Nest starts so that a bad setting ends
 * the process with one clear line instead of a stack trace. SIGTERM/SIGINT: stop accepting
 * connections, let in-flight requests finish and every module's shutdown hook run, exit 0.
 */
async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit('porter-api');
  consoleAsJsonLines(); // what libraries print goes out as JSON lines too
  // Before anything else connects: an unreachable Postgres or an unmigrated database is one line.
  const [{ assertMigrated }, { porterMigrations }] = await Promise.all([import('@porter/platform'), import('./porter-migrations')]);
  await assertMigrated(config.databaseUrl, porterMigrations);
  const [{ createApiApp }, { Logger }] = await Promise.all([import('./create-api-app'), import('nestjs-pino')]);
  const app = await createApiApp();
  const logger = app.get(Logger);
  exitOnSignals(() => app.close(), config.shutdownGraceMs, (signal) => logger.log(`Received ${signal}: shutting down`));
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.log(`Porter API listening on http://127.0.0.1:${port} (docs: /api/docs)`);
}

void bootstrap().catch(exitOnStartFailure('porter-api'));

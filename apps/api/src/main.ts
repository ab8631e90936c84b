import 'reflect-metadata';
import { ConfigError, loadConfig } from '@porter/platform';

/**
 * The HTTP process. Configuration is validated before Nest starts so that a bad setting ends
 * the process with one clear line instead of a stack trace.
 */
async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`porter-api: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const { createApiApp } = await import('./create-api-app');
  const app = await createApiApp();
  const logger = app.get((await import('nestjs-pino')).Logger);
  // On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish and every
  // module's shutdown hook run, then exit 0. A hard deadline guards against a hung hook.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.log(`Received ${signal}: shutting down`);
      setTimeout(() => process.exit(1), config.shutdownGraceMs + 5000).unref();
      void app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.log(`Porter API listening on http://127.0.0.1:${port} (docs: /api/docs)`);
}

void bootstrap().catch((error) => {
  process.stderr.write(`porter-api: failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

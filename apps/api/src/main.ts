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
  const app = await createApiApp(config);
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app.get(await import('nestjs-pino').then((m) => m.Logger)).log(`Porter API listening on http://127.0.0.1:${port} (docs: /api/docs)`);
}

void bootstrap().catch((error) => {
  process.stderr.write(`porter-api: failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

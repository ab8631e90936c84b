import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { collectProcessMetrics, configureHttpApp, porterFastifyOptions } from '@porter/platform';
import { AppModule } from './app.module';
import { consolePageForMalformedPath, serveConsole } from './console/console-static';

export async function createApiApp(): Promise<NestFastifyApplication> {
  collectProcessMetrics('api');
  // A start that fails (Postgres unreachable...) rejects here, for exitOnStartFailure's one line:
  // Nest neither exits by itself (abortOnError) nor prints what it buffered (autoFlushLogs); the
  // buffered lines go to the JSON logger once it is in place (configureHttpApp).
  const app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(porterFastifyOptions({ onMalformedPath: consolePageForMalformedPath() })), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
    autoFlushLogs: false,
  });
  configureHttpApp(app);
  serveConsole(app);
  await app.init();
  return app;
}

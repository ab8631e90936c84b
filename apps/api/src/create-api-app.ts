import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { collectProcessMetrics, configureHttpApp, finalHandlers } from '@porter/platform';
import { AppModule } from './app.module';
import { serveConsole } from './console/console-static';

export async function createApiApp(): Promise<NestExpressApplication> {
  collectProcessMetrics('api');
  // A start that fails (Postgres unreachable...) rejects here, for exitOnStartFailure's one line:
  // Nest neither exits by itself (abortOnError) nor prints what it buffered (autoFlushLogs); the
  // buffered lines go to the JSON logger once it is in place (configureHttpApp).
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true, abortOnError: false, autoFlushLogs: false });
  configureHttpApp(app);
  serveConsole(app);
  await app.init();
  finalHandlers(app);
  return app;
}

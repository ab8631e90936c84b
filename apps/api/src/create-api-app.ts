import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { collectProcessMetrics, configureHttpApp, finalHandlers } from '@porter/platform';
import { AppModule } from './app.module';
import { serveConsole } from './console/console-static';

export async function createApiApp(): Promise<NestExpressApplication> {
  collectProcessMetrics('api');
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  configureHttpApp(app);
  serveConsole(app);
  await app.init();
  finalHandlers(app);
  return app;
}

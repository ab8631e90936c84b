import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { collectProcessMetrics, configureHttpApp, finalHandlers } from '@porter/platform';
import { AppModule } from './app.module';

export async function createApiApp(): Promise<NestExpressApplication> {
  collectProcessMetrics('api');
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  configureHttpApp(app);
  await app.init();
  finalHandlers(app);
  return app;
}

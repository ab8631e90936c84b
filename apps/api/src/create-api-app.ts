import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { collectProcessMetrics, configureHttpApp, notFoundHandler, PorterConfig } from '@porter/platform';
import { AppModule } from './app.module';

export async function createApiApp(config: PorterConfig): Promise<NestExpressApplication> {
  collectProcessMetrics('api');
  const app = await NestFactory.create<NestExpressApplication>(AppModule, { bodyParser: false, bufferLogs: true });
  configureHttpApp(app, config);
  await app.init();
  app.use(notFoundHandler());
  return app;
}

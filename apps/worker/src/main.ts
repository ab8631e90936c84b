import 'reflect-metadata';
import { ConfigError, loadConfig } from '@porter/platform';

/**
 * The queue-consumer process. No HTTP listener; on SIGTERM/SIGINT Nest's shutdown hooks stop
 * taking jobs and let running handlers checkpoint within SHUTDOWN_GRACE_MS.
 */
async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`porter-worker: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const [{ NestFactory }, { Logger }, { WorkerModule }, { collectProcessMetrics }] = await Promise.all([
    import('@nestjs/core'),
    import('nestjs-pino'),
    import('./worker.module'),
    import('@porter/platform'),
  ]);
  collectProcessMetrics('worker');
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  // SIGTERM/SIGINT: app.close() runs every module's shutdown hooks (the job-queue worker stops
  // taking jobs and lets running handlers checkpoint within SHUTDOWN_GRACE_MS), then exit 0.
  // A last resort: if a hook hangs past the grace period, leave anyway (stall recovery resumes
  // the jobs elsewhere; nothing is lost).
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.get(Logger).log(`Received ${signal}: draining`);
      setTimeout(() => process.exit(1), config.shutdownGraceMs + 5000).unref();
      void app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  await app.init();
  app.get(Logger).log(`Porter worker started (concurrency ${config.workerConcurrency}, queue prefix "${config.queuePrefix}")`);
}

void bootstrap().catch((error) => {
  process.stderr.write(`porter-worker: failed to start: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});

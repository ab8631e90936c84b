import 'reflect-metadata';
import { exitOnSignals, exitOnStartFailure, loadConfigOrExit } from '@porter/platform';

/**
 * The queue-consumer process. No HTTP listener. SIGTERM/SIGINT: app.close() runs every module's
 * shutdown hook (the job-queue worker stops taking jobs and lets running handlers checkpoint
 * within SHUTDOWN_GRACE_MS), then the process exits 0.
 */
async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit('porter-worker');
  const [{ NestFactory }, { Logger }, { WorkerModule }, { collectProcessMetrics }] = await Promise.all([
    import('@nestjs/core'),
    import('nestjs-pino'),
    import('./worker.module'),
    import('@porter/platform'),
  ]);
  collectProcessMetrics('worker');
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true });
  const logger = app.get(Logger);
  app.useLogger(logger);
  exitOnSignals(() => app.close(), config.shutdownGraceMs, (signal) => logger.log(`Received ${signal}: draining`));
  await app.init();
  logger.log(`Porter worker started (concurrency ${config.workerConcurrency}, queue prefix "${config.queuePrefix}")`);
}

void bootstrap().catch(exitOnStartFailure('porter-worker'));

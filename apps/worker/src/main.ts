import './tracing';
import 'reflect-metadata';
import { consoleAsJsonLines, exitOnSignals, exitOnStartFailure, loadConfigOrExit } from '@porter/platform';

/**
 * The queue-consumer process. Its only HTTP listener is the metrics and liveness one
 * (WORKER_METRICS_PORT on HOST; 0 turns it off): the job metrics are recorded here, in this
 * process, so this is where they must be scraped. SIGTERM/SIGINT: app.close() runs every
 * module's shutdown hook (the job-queue worker stops taking jobs and lets running handlers
 * checkpoint), the listener closes last, and the process exits within SHUTDOWN_GRACE_MS.
 */
async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit('porter-worker');
  consoleAsJsonLines(); // what libraries print goes out as JSON lines too
  const [{ NestFactory }, { Logger }, { WorkerModule }, { collectProcessMetrics, startOpsServer }] = await Promise.all([
    import('@nestjs/core'),
    import('nestjs-pino'),
    import('./worker.module'),
    import('@porter/platform'),
  ]);
  // Before anything else connects: an unreachable Postgres or an unmigrated database is one line
  // (the worker never migrates; `npm run migrate` does).
  const [{ assertMigrated }, { porterMigrations }] = await Promise.all([import('@porter/platform'), import('../../api/src/porter-migrations')]);
  await assertMigrated(config.databaseUrl, porterMigrations);
  collectProcessMetrics('worker');
  // Bound before anything connects: a port already taken stops the start with one line, before
  // the worker could take a job.
  const ops = config.workerMetricsPort === 0 ? null : await startOpsServer(config.host, config.workerMetricsPort);
  // As the API (create-api-app.ts): a failed start is one line, buffered logs go to the JSON logger.
  const app = await NestFactory.createApplicationContext(WorkerModule, { bufferLogs: true, abortOnError: false, autoFlushLogs: false });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.flushLogs();
  exitOnSignals(
    async () => {
      try {
        await app.close();
      } finally {
        await ops?.close();
      }
    },
    config.shutdownGraceMs,
    (signal) => logger.log(`Received ${signal}: draining`),
  );
  await app.init();
  const metrics = ops ? `metrics on http://${config.host}:${ops.port}/metrics` : 'metrics listener off';
  logger.log(`Porter worker started (concurrency ${config.workerConcurrency}, queue prefix "${config.queuePrefix}", ${metrics})`);
}

void bootstrap().catch(exitOnStartFailure('porter-worker'));

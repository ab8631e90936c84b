import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { EventBus } from '@nestjs/cqrs';
import { Job as BullJob, Worker } from 'bullmq';
import { randomUUID } from 'crypto';
import * as os from 'os';
import { bullConnectionFromUrl, closeBullWorker, FILE_STORAGE, FileStorage, PORTER_CONFIG, PorterConfig, shutdownDrainBudgetMs } from '@porter/platform';
import { errorMessage } from '../../domain/job-errors';
import { JOB_FILE_CLEANER, JobFileCleaner } from '../../application/ports/job.repository.port';
import { JobHandlerRegistry } from './job-handler.registry';
import { JOBS_QUEUE } from '../job-queue.constants';
import { JobRunStore } from '../store/job-run.store';
import { ShortJobTypes } from './claim-ahead';
import { RoundDispatcher } from './round-dispatcher';
import { RunExecutor } from './run-executor';
import { RunSlots } from './run-slots';

/** How long an idle worker's shutdown waits for BullMQ to close before forcing it (see beforeApplicationShutdown). */
const IDLE_CLOSE_WAIT_MS = 1000;

/**
 * The worker (ADR 018): the BullMQ consumer of wake-up messages, and its start and shutdown.
 * A message is only a wake-up: jobs are taken from the head of the Postgres queue by the
 * dispatcher's rounds (round-dispatcher.ts), so position and move-to-top are exact whichever
 * message arrives; the executor (run-executor.ts) runs each claimed job in a handler slot
 * (run-slots.ts). A slot is freed as soon as its handler settles (the outcome is written by
 * the next round, and shutdown waits for that write).
 */
@Injectable()
export class JobRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('JobRunner');
  readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private worker: Worker | null = null;
  private lastErrorLogAt = 0;
  private readonly rounds: RoundDispatcher;
  private readonly runs: RunExecutor;

  constructor(
    private readonly store: JobRunStore,
    private readonly registry: JobHandlerRegistry,
    eventBus: EventBus,
    @Inject(FILE_STORAGE) storage: FileStorage,
    @Inject(JOB_FILE_CLEANER) cleaner: JobFileCleaner,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {
    // A freed slot lets the dispatcher claim again.
    const slots = new RunSlots(config.workerConcurrency, () => this.rounds.slotFreed());
    const shortTypes = new ShortJobTypes();
    const logThrottled = (message: string) => this.logThrottled(message);
    this.rounds = new RoundDispatcher({
      store,
      registry,
      config,
      workerId: this.workerId,
      slots,
      shortTypes,
      start: (job) => this.runs.start(job),
      running: () => this.runs.running(),
      logThrottled,
    });
    this.runs = new RunExecutor({
      store,
      registry,
      eventBus,
      storage,
      cleaner,
      config,
      slots,
      shortTypes,
      writeWithNextRound: (success) => this.rounds.writeWithNextRound(success),
      logThrottled,
    });
  }

  onApplicationBootstrap(): void {
    this.worker = new Worker(JOBS_QUEUE, (message) => this.process(message), {
      connection: bullConnectionFromUrl(this.config.redisUrl),
      prefix: this.config.queuePrefix,
      concurrency: this.config.workerConcurrency,
      lockDuration: this.config.jobLockDurationMs,
      // A redelivered message is harmless (it only wakes a worker up): never fail it for stalling.
      maxStalledCount: 1000,
    });
    this.worker.on('error', (error) => this.logThrottled(`queue worker: ${error.message}`));
    this.store.warmUp(this.workerId).catch((error) => this.logThrottled(`warming up the round connection failed: ${errorMessage(error)}`));
    this.logger.log(`Job types handled here: ${this.registry.typeNames().join(', ') || '(none)'}`);
  }

  /** SIGTERM: stop taking messages, abort running handlers with "shutdown", release their jobs, all within the grace period. */
  async beforeApplicationShutdown(): Promise<void> {
    this.rounds.stop();
    this.runs.stop();
    const deadline = Date.now() + shutdownDrainBudgetMs(this.config.shutdownGraceMs);
    const worker = this.worker;
    const closing = worker?.close().catch(() => undefined);
    // A claim already sent may still bring jobs: they start aborted ('shutdown') and are released.
    await Promise.race([this.rounds.roundInFlight?.catch(() => undefined), sleep(Math.max(0, deadline - Date.now() - 1000))]);
    const runs = this.runs.abortAll();
    const inTime = await Promise.race([runs.then(() => true), sleep(Math.max(0, deadline - Date.now() - 500)).then(() => false)]);
    if (!inTime) this.logger.warn(`${this.runs.activeCount} job run(s) did not stop within SHUTDOWN_GRACE_MS; their leases will expire and they will be recovered`);
    // With every run ended, BullMQ's close has nothing left to wait for but its own connections:
    // a reachable Redis closes them in milliseconds, an unreachable one never, and waiting out the
    // budget then made an idle worker's stop take SHUTDOWN_GRACE_MS and exit 1. So it gets a
    // second, then the forced close (closeBullWorker).
    const closeWaitMs = inTime ? Math.min(IDLE_CLOSE_WAIT_MS, Math.max(100, deadline - Date.now())) : Math.max(100, deadline - Date.now());
    if (worker) await closeBullWorker(worker, closeWaitMs);
  }

  get activeCount(): number {
    return this.runs.activeCount;
  }

  /**
   * This worker will claim again on its own (its last claim filled every free slot, or
   * messages are waiting for a round): it keeps taking jobs until the queue is empty.
   */
  get willClaimAgain(): boolean {
    return this.rounds.willClaimAgain;
  }

  /**
   * A message is a wake-up (ADR 010) and holds one slot's worth of attention: it waits until
   * this worker has a free slot and a dispatch round has taken jobs for it, so a busy worker
   * holds at most `concurrency` messages and leaves the others to idle workers (ADR 018).
   */
  private async process(message: BullJob): Promise<{ woke: boolean }> {
    return { woke: await this.rounds.wake(Boolean(message.opts.delay)) };
  }

  private logThrottled(message: string): void {
    if (Date.now() - this.lastErrorLogAt < 5000) return;
    this.lastErrorLogAt = Date.now();
    this.logger.warn(message);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

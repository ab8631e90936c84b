import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { EventBus } from '@nestjs/cqrs';
import type { Queue } from 'bullmq';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { JobStatus } from '../../public/enums/job-status';
import { JobCancelled, JobFailed } from '../../public/events/job-events';
import { JOB_FILE_CLEANER, JobFileCleaner } from '../../application/ports/job.repository.port';
import { jobMetrics } from '../runner/job-metrics';
import { JOBS_QUEUE } from '../job-queue.constants';
import { JobRunStore } from '../store/job-run.store';
import { JobRunner } from '../runner/job-runner.service';

const REDIS_TIMEOUT_MS = 3000;

/**
 * Makes Redis agree with Postgres, every JOB_POLLING_INTERVAL_MS:
 * 1. scheduled jobs whose time has come become pending (in case their delayed message was lost);
 * 2. runs whose worker died (liveness lock free, ADR 041) or whose lease expired go back to the
 *    queue without using an attempt, or fail once they stalled more than JOB_MAX_STALLS times;
 * 3. when Redis holds fewer waiting messages than Postgres has ready pending jobs (Redis was
 *    down, flushed, or evicted keys), wake-up messages are added for the difference, unless
 *    this worker is draining the queue anyway (ADR 018).
 */
@Injectable()
export class JobReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobReconciler');
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private lastErrorLogAt = 0;

  constructor(
    private readonly store: JobRunStore,
    @InjectQueue(JOBS_QUEUE) private readonly queue: Queue,
    private readonly eventBus: EventBus,
    @Inject(JOB_FILE_CLEANER) private readonly cleaner: JobFileCleaner,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    @Optional() private readonly runner?: JobRunner,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.jobPollingIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.round?.catch(() => undefined);
  }

  tick(): Promise<void> {
    if (!this.round) {
      this.round = this.reconcile()
        .then(() => undefined)
        .catch((error) => this.logThrottled(`reconcile failed (will retry): ${(error as Error).message}`))
        .finally(() => {
          this.round = null;
        });
    }
    return this.round as Promise<void>;
  }

  async reconcile(): Promise<{ promoted: number; recovered: number; wakeups: number }> {
    const promoted = await this.store.promoteDue();
    const recovered = await this.store.recoverStalled(100, this.config.jobMaxStalls, this.runner?.workerId ?? null);
    for (const job of recovered) {
      jobMetrics.transitions.inc({ type: job.type, status: job.outcome });
      if (job.outcome === JobStatus.Failed) {
        this.logger.warn(`job ${job.id} failed: it stalled more than JOB_MAX_STALLS=${this.config.jobMaxStalls} times`);
        jobMetrics.failures.inc({ type: job.type, final: 'true' });
        this.eventBus.publish(new JobFailed(job.id, job.type, job.tenant, 'the job stalled too often (its workers died or stopped responding)', job.attempts));
      } else if (job.outcome === JobStatus.Cancelled) {
        await this.cleaner.removeOutputs(job.id);
        this.eventBus.publish(new JobCancelled(job.id, job.type, job.tenant));
      } else {
        this.logger.warn(`job ${job.id} stalled on attempt ${job.attempts} (its worker died or stopped responding); back in the queue`);
      }
    }
    let wakeups = 0;
    // A worker that will claim again on its own drains the queue without messages (wake-ups
    // are merged, ADR 018): topping up then would only add one message per backlogged job.
    if (this.runner?.willClaimAgain) return { promoted, recovered: recovered.length, wakeups };
    const ready = await this.store.readyPendingCount();
    if (ready > 0) {
      const waiting = await withTimeout(this.queue.getWaitingCount(), REDIS_TIMEOUT_MS);
      if (waiting < ready) wakeups = await this.store.enqueueWakeups(Math.min(ready - waiting, 1000));
    }
    return { promoted, recovered: recovered.length, wakeups };
  }

  private logThrottled(message: string): void {
    if (Date.now() - this.lastErrorLogAt < 10_000) return;
    this.lastErrorLogAt = Date.now();
    this.logger.warn(message);
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    promise.catch(() => undefined);
  }
}

import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { EventBus } from '@nestjs/cqrs';
import { Queue, Worker } from 'bullmq';
import { bullConnectionFromUrl, closeBullWorker, PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { JOB_FILE_CLEANER, JobFileCleaner } from '../../application/ports/job.repository.port';
import { JOB_ATTACHMENT_STORE, JobAttachmentStore } from '../../application/ports/job-attachment.store.port';
import { JobPurged } from '../../public/events/job-events';
import { JOBS_QUEUE, MAINTENANCE_QUEUE, PURGE_SCHEDULER_ID } from '../job-queue.constants';
import { JobRunStore } from '../store/job-run.store';

/** How long the shutdown waits for a purge in progress before closing its worker by force. */
const PURGE_CLOSE_WAIT_MS = 1000;

/**
 * The repeatable purge: a BullMQ job scheduler on the maintenance queue fires every
 * JOB_PURGE_INTERVAL_MS (one run at a time across all workers); each run hard-deletes terminal
 * jobs older than JOB_PURGE_AGE_MS and soft-deleted jobs, with their files and queue messages, and
 * the stored files of request attachments whose job was never submitted (STORAGE_TMP_MAX_AGE_MS old).
 * Each purged job is announced (JobPurged) once its files are removed.
 */
@Injectable()
export class JobPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobPurge');
  private worker: Worker | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: JobRunStore,
    @InjectQueue(MAINTENANCE_QUEUE) private readonly maintenance: Queue,
    @InjectQueue(JOBS_QUEUE) private readonly jobs: Queue,
    @Inject(JOB_FILE_CLEANER) private readonly cleaner: JobFileCleaner,
    @Inject(JOB_ATTACHMENT_STORE) private readonly attachments: JobAttachmentStore,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    private readonly eventBus: EventBus,
  ) {}

  onApplicationBootstrap(): void {
    this.maintenance.on('error', () => undefined);
    this.worker = new Worker(MAINTENANCE_QUEUE, async () => this.purge(this.config.jobPurgeAgeMs), {
      connection: bullConnectionFromUrl(this.config.redisUrl),
      prefix: this.config.queuePrefix,
      concurrency: 1,
    });
    this.worker.on('error', () => undefined);
    void this.schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    // A purge cut short is finished by the next one: a second for it, then the close is forced
    // (an unreachable Redis never lets a clean close end).
    if (this.worker) await closeBullWorker(this.worker, PURGE_CLOSE_WAIT_MS);
  }

  /** Deletes what is due; returns how many jobs went. */
  async purge(olderThanMs: number): Promise<{ purged: number; orphanAttachments: number }> {
    let purged = 0;
    for (;;) {
      const batch = await this.store.purge(olderThanMs);
      for (const job of batch) {
        await this.cleaner.removeAll(job.id);
        // A message still being processed is locked and stays; it is a wake-up that finds nothing.
        await Promise.all(job.messageIds.map((id) => this.jobs.remove(id).catch(() => undefined)));
        // Its files are gone: the owner module takes back what pointed at them (an export's result).
        this.eventBus.publish(new JobPurged(job.id, job.type, job.tenant));
      }
      purged += batch.length;
      if (batch.length < 500) break;
    }
    if (purged) this.logger.log(`purged ${purged} job(s)`);
    // Request attachments stored by a process that died before their job was submitted (ADR 060).
    const orphans = await this.attachments.sweepStaged(new Date(Date.now() - this.config.storageTmpMaxAgeMs));
    if (orphans) this.logger.log(`removed ${orphans} attachment(s) of request(s) that never became jobs`);
    return { purged, orphanAttachments: orphans };
  }

  private async schedule(): Promise<void> {
    try {
      // Idempotent: every worker upserts the same scheduler; the interval follows the config.
      await this.maintenance.upsertJobScheduler(
        PURGE_SCHEDULER_ID,
        { every: this.config.jobPurgeIntervalMs },
        { name: 'purge', opts: { removeOnComplete: 100, removeOnFail: 100 } },
      );
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn(`could not schedule the purge yet (${(error as Error).message}); retrying`);
      this.retry = setTimeout(() => void this.schedule(), 5000);
      this.retry.unref();
    }
  }
}

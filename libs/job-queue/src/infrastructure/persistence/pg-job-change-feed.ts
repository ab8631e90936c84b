import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { metric, PG_POOL, PORTER_CONFIG, PorterConfig } from '@porter/platform';
import type { JobStatus } from '../../public/enums/job-status';
import type { JobSnapshot } from '../../domain/job-stream-cursor';
import type { JobChangeFeed, JobWatcher } from '../../application/ports/job-change-feed.port';

/**
 * The change feed of one API process (ADR 042): while at least one stream follows a job, ONE
 * timer reads every followed job in ONE statement by primary key every
 * JOB_STREAM_POLL_INTERVAL_MS and hands each watcher its job's row; watchers (the streams'
 * cursors) decide what changed. Nothing is added to the workers' writes, it works whatever
 * process or host changed the job, and the database sees one small query per interval however
 * many streams are open. No stream, no timer, no query (the worker process never starts it).
 */
@Injectable()
export class PgJobChangeFeed implements JobChangeFeed, BeforeApplicationShutdown {
  private readonly logger = new Logger('JobChangeFeed');
  private readonly watchers = new Map<string, Set<JobWatcher>>();
  private timer: NodeJS.Timeout | null = null;
  private reading = false;
  private closed = false;
  private failing = false;
  private readonly streams = metric('gauge', { name: 'porter_job_streams', help: 'Live job streams (GET /jobs/{id}/stream) this process is serving' });
  private readonly followed = metric('gauge', { name: 'porter_job_stream_followed_jobs', help: 'Distinct jobs the live streams of this process follow' });

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  /** Jobs followed right now (for tests and metrics). */
  get followedJobs(): number {
    return this.watchers.size;
  }

  watch(jobId: string, watcher: JobWatcher): () => void {
    if (this.closed) {
      queueMicrotask(() => watcher.onClose());
      return () => undefined;
    }
    let set = this.watchers.get(jobId);
    if (!set) {
      this.watchers.set(jobId, (set = new Set()));
      this.followed.inc();
    }
    set.add(watcher);
    this.streams.inc();
    this.schedule();
    return () => {
      const current = this.watchers.get(jobId);
      if (!current?.delete(watcher)) return;
      this.streams.dec();
      if (current.size === 0) {
        this.watchers.delete(jobId);
        this.followed.dec();
      }
      if (this.watchers.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = null;
      }
    };
  }

  /** Ends every stream before the HTTP server closes, which would otherwise wait for them. */
  beforeApplicationShutdown(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const all = [...this.watchers.values()].flatMap((set) => [...set]);
    this.streams.dec(all.length);
    this.followed.dec(this.watchers.size);
    this.watchers.clear();
    for (const watcher of all) this.notify(() => watcher.onClose());
  }

  private schedule(): void {
    if (this.timer || this.reading || this.closed || this.watchers.size === 0) return;
    this.timer = setTimeout(() => void this.read(), this.config.jobStreamPollIntervalMs);
  }

  private async read(): Promise<void> {
    this.timer = null;
    const ids = [...this.watchers.keys()];
    if (!ids.length || this.closed) return;
    this.reading = true;
    try {
      const { rows } = await this.pool.query<{ id: string; status: JobStatus; progress_processed: string; progress_total: string | null }>(
        `SELECT id, status, progress_processed, progress_total FROM job_queue.job WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      if (this.failing) this.logger.log('reading followed jobs again');
      this.failing = false;
      const found = new Map<string, JobSnapshot>(
        rows.map((r) => [r.id, { status: r.status, processed: Number(r.progress_processed), total: r.progress_total === null ? null : Number(r.progress_total) }]),
      );
      for (const id of ids) {
        const snapshot = found.get(id) ?? null;
        for (const watcher of [...(this.watchers.get(id) ?? [])]) this.notify(() => watcher.onSnapshot(snapshot));
      }
    } catch (error) {
      // Postgres away: streams stay open (heartbeats go on) and catch up when it is back.
      if (!this.failing) this.logger.warn(`cannot read followed jobs: ${(error as Error).message}`);
      this.failing = true;
    } finally {
      this.reading = false;
      this.schedule();
    }
  }

  private notify(call: () => void): void {
    try {
      call();
    } catch (error) {
      this.logger.error(`a job stream failed: ${(error as Error).message}`);
    }
  }
}

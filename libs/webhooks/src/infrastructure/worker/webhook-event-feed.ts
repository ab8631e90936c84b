import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ExportOfJob, FindExportOfJobQuery } from '@porter/exports';
import { ImportCompletionCursor, ImportCompletionPage, ListCompletedImportRecordsQuery } from '@porter/imports';
import { JobTransitionCursor, JobTransitionPage, ListJobTransitionsQuery } from '@porter/job-queue';
import { isUnavailable, PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { WEBHOOK_REPOSITORY, WebhookRepository } from '../../application/ports/webhook.ports';
import { WEBHOOK_DELIVER_JOB_TYPE, WebhookDispatch, WebhookEventToEmit } from '../../application/webhook-dispatch';

/** At most one outage warning of the feed per this many ms. */
const OUTAGE_LOG_MS = 30_000;

const EXPORT_JOB_TYPE = 'export';

/**
 * Turns durable facts into webhook events (ADR 045), in every worker, every
 * JOB_POLLING_INTERVAL_MS: the job-queue's terminal transitions (job.succeeded / failed /
 * cancelled, and export.ready for a succeeded export job) and the imports' completions
 * (import.completed). Each feed is read from a cursor stored in webhooks.feed_cursor; the
 * events, deliveries, their jobs and the cursor's new position commit in ONE transaction, under
 * the cursor row's lock (SKIP LOCKED: one worker reads a feed at a time, the others move on). A
 * crash before the commit rereads the same page; the unique source keys make that harmless.
 * Facts past the feed's horizon (a long transaction elsewhere still running) are acted on at
 * once and remembered in webhooks.feed_seen, so they are not repeated when the cursor reaches them.
 * Nothing depends on an in-memory event surviving a crash.
 */
@Injectable()
export class WebhookEventFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private lastOutageLog = 0;
  private readonly logger = new Logger(WebhookEventFeed.name);
  private timer: NodeJS.Timeout | null = null;
  private purgeTimer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private purging: Promise<unknown> | null = null;

  constructor(
    private readonly queryBus: QueryBus,
    private readonly dispatch: WebhookDispatch,
    @Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.tick(), this.config.jobPollingIntervalMs);
    this.timer.unref();
    // Events (and their deliveries) live as long as jobs do: JOB_PURGE_AGE_MS, once all ended.
    this.purgeTimer = setInterval(() => this.purge(), this.config.jobPurgeIntervalMs);
    this.purgeTimer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    await Promise.all([this.running, this.purging]);
  }

  private purge(): void {
    if (this.purging) return;
    const before = new Date(Date.now() - this.config.jobPurgeAgeMs);
    this.purging = (async () => {
      while ((await this.webhooks.purgeEvents(before, 1000)) === 1000);
    })()
      .catch((error: Error) => this.failed('webhook purge', error))
      .finally(() => (this.purging = null));
  }

  /**
   * A failed pass. Postgres (or Redis) away is an outage the next tick gets past by itself: one
   * warning per OUTAGE_LOG_MS, not an error line every tick (QA: 98 error lines while Postgres was
   * down). Anything else is an error, every time.
   */
  private failed(what: string, error: Error): void {
    if (!isUnavailable(error)) {
      this.logger.error(`${what} failed: ${error.message}`);
      return;
    }
    const now = Date.now();
    if (now - this.lastOutageLog < OUTAGE_LOG_MS) return;
    this.lastOutageLog = now;
    this.logger.warn(`${what} waits for its database (${error.message}); retrying every tick`);
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.drain()
      .catch((error: Error) => this.failed('webhook feed', error))
      .finally(() => (this.running = null));
  }

  /** Reads both feeds until they have nothing new (a full page means more may be waiting). */
  async drain(): Promise<void> {
    while ((await this.readJobTransitions()) || (await this.readImportCompletions()));
  }

  /** One page of job transitions; true when the page was full. */
  async readJobTransitions(): Promise<boolean> {
    return this.dispatch.transaction(async (transaction) => {
      const cursor = await this.webhooks.lockCursor('job-transitions');
      if (!cursor) return false;
      const page: JobTransitionPage = await this.queryBus.execute(new ListJobTransitionsQuery(cursor.position as JobTransitionCursor | null, 200));
      for (const t of page.items) {
        // Deliveries are jobs too: announcing them would feed the feed with itself.
        if (t.jobType === WEBHOOK_DELIVER_JOB_TYPE) continue;
        if (!(await this.webhooks.firstSight('job-transitions', t.eventId, t.final))) continue;
        const events: WebhookEventToEmit[] = [
          { tenant: t.tenant, type: `job.${t.status}`, sourceKey: `job-event:${t.eventId}`, data: { jobId: t.jobId, type: t.jobType, status: t.status, at: t.at } },
        ];
        if (t.jobType === EXPORT_JOB_TYPE && t.status === 'succeeded') {
          const found: ExportOfJob | null = await this.queryBus.execute(new FindExportOfJobQuery(t.jobId));
          if (found) events.push({ tenant: t.tenant, type: 'export.ready', sourceKey: `export.ready:job-event:${t.eventId}`, data: { exportId: found.exportId } });
          // The requester asked to be mailed the link: a durable job, in this same transaction.
          if (found?.notifyEmail) await this.dispatch.scheduleExportReadyEmail(transaction, t.tenant, found.exportId, found.notifyEmail, `export.ready:job-event:${t.eventId}`);
        }
        for (const event of events) await this.dispatch.emit(transaction, event);
      }
      await this.webhooks.saveCursor('job-transitions', page.next as unknown as Record<string, string>);
      return page.items.length === 200 && page.items[page.items.length - 1].final;
    });
  }

  async readImportCompletions(): Promise<boolean> {
    return this.dispatch.transaction(async (transaction) => {
      const cursor = await this.webhooks.lockCursor('import-completions');
      if (!cursor) return false;
      const page: ImportCompletionPage = await this.queryBus.execute(new ListCompletedImportRecordsQuery(cursor.position as ImportCompletionCursor | null, 200));
      for (const c of page.items) {
        if (!(await this.webhooks.firstSight('import-completions', `${c.importRecordId}:${c.completionTxId}`, c.final))) continue;
        await this.dispatch.emit(transaction, {
          tenant: c.tenant,
          type: 'import.completed',
          sourceKey: `import.completed:${c.importRecordId}:${c.completionTxId}`,
          data: { importRecordId: c.importRecordId },
        });
      }
      await this.webhooks.saveCursor('import-completions', page.next as unknown as Record<string, string>);
      return page.items.length === 200 && page.items[page.items.length - 1].final;
    });
  }
}

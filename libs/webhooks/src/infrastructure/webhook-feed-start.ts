import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ImportCompletionPage, ListCompletedImportRecordsQuery } from '@porter/imports';
import { JobTransitionPage, ListJobTransitionsQuery } from '@porter/job-queue';
import { WEBHOOK_REPOSITORY, WebhookRepository } from '../application/ports/webhook.ports';
import { WebhookDispatch } from '../application/webhook-dispatch';

/**
 * Where the webhook feeds (WebhookEventFeed) start on a fresh install: at the present, fixed when
 * the first Porter process starts (API or worker, before it accepts work), not at the feed's
 * first tick. A feed that placed its own start lazily skipped what finished before that tick:
 * on a fresh deployment an export that ran within the first polling interval of the worker lost
 * its export.ready event and its email. History from before the install is still not replayed.
 * A cursor already placed is never moved (the first process wins; the others change nothing).
 */
@Injectable()
export class WebhookFeedStart implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookFeedStart.name);

  constructor(
    private readonly queryBus: QueryBus,
    private readonly dispatch: WebhookDispatch,
    @Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Postgres away at start: each feed places its own cursor at its first read, as before.
    const failed = (error: unknown) => this.logger.warn(`placing the webhook feeds' start failed (each feed places it at its first read): ${(error as Error).message}`);
    const unplaced = await this.webhooks.unplacedCursors().catch((error: unknown) => {
      failed(error);
      return [];
    });
    for (const name of unplaced) await this.place(name).catch(failed);
  }

  /** Places every feed cursor that has no position yet at the present of its feed; returns the names it placed. */
  async placeUnplacedCursors(): Promise<string[]> {
    const placed: string[] = [];
    for (const name of await this.webhooks.unplacedCursors()) if (await this.place(name)) placed.push(name);
    return placed;
  }

  private async place(name: string): Promise<boolean> {
    const present =
      name === 'job-transitions'
        ? ((await this.queryBus.execute(new ListJobTransitionsQuery(null))) as JobTransitionPage).next
        : name === 'import-completions'
          ? ((await this.queryBus.execute(new ListCompletedImportRecordsQuery(null))) as ImportCompletionPage).next
          : null;
    if (!present) return false;
    return this.dispatch.transaction(() => this.webhooks.placeCursor(name, present as unknown as Record<string, string>));
  }
}

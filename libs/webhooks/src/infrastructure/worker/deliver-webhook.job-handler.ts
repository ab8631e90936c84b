import { Inject, Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { Webhook } from 'standardwebhooks';
import { CreateExportDownloadLinkCommand, ExportDownloadLink, ExportInfo, GetExportInfoQuery } from '@porter/exports';
import { GetImportRecordQuery } from '@porter/imports';
import { GetJobQuery, JobContext, JobHandler, JobHandlerFor } from '@porter/job-queue';
import { PORTER_CONFIG, PorterConfig } from '@porter/platform';
import { ConflictError, GoneError, NotFoundError, Principal, storableText } from '@porter/shared-kernel';
import { DeliveryToSend, SECRET_SEALER, SecretSealer, WEBHOOK_REPOSITORY, WebhookRepository } from '../../application/ports/webhook.ports';
import { WEBHOOK_DELIVER_JOB_TYPE, WebhookDispatch } from '../../application/webhook-dispatch';
import { retryDelayMs } from '../../domain/retry-schedule';
import { postWebhook } from '../delivery/guarded-http';

/** An event that cannot be told to this endpoint (the export is gone, or its owner may not see it): failed at once, not retried. */
class Undeliverable extends Error {}

/** How long the download link in an `export.ready` payload works (the longest a link may). */
const WEBHOOK_LINK_SECONDS = 86_400;

/**
 * One attempt of one delivery (job payload `{ deliveryId, attempt }`). The attempt is recorded,
 * and the next one scheduled, in one transaction; a rerun of the same job after a crash finds the
 * attempt recorded and does nothing, or — when the crash came before the record — sends again
 * with the same `webhook-id` (the event id), which receivers deduplicate on.
 */
@Injectable()
@JobHandlerFor(WEBHOOK_DELIVER_JOB_TYPE, { maxAttempts: 5 })
export class DeliverWebhookJobHandler implements JobHandler {
  constructor(
    @Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository,
    @Inject(SECRET_SEALER) private readonly sealer: SecretSealer,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    private readonly dispatch: WebhookDispatch,
    private readonly queryBus: QueryBus,
    private readonly commandBus: CommandBus,
  ) {}

  async run(context: JobContext): Promise<void> {
    const deliveryId = String(context.payload.deliveryId);
    const attempt = Number(context.payload.attempt);
    const delivery = await this.webhooks.loadForSending(deliveryId);
    if (!delivery || delivery.status !== 'pending' || delivery.attempts >= attempt) return;

    if (!delivery.endpoint.enabled) {
      await this.record(delivery, attempt, { succeeded: false, statusCode: null, error: 'the endpoint is disabled', responseBody: null, final: true, countsForEndpoint: false });
      return;
    }
    let body: string;
    try {
      const data = await this.eventData(delivery);
      body = JSON.stringify({ type: delivery.eventType, timestamp: new Date().toISOString(), data });
    } catch (error) {
      if (!(error instanceof Undeliverable)) throw error;
      await this.record(delivery, attempt, { succeeded: false, statusCode: null, error: error.message, responseBody: null, final: true, countsForEndpoint: false });
      return;
    }
    const sentAt = new Date();
    const secret = this.sealer.open(delivery.endpoint.secretSealed, delivery.endpoint.id);
    const headers = {
      'webhook-id': delivery.eventId,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(delivery.eventId, sentAt, body),
    };
    let outcome: { succeeded: boolean; statusCode: number | null; error: string | null; responseBody: string | null };
    try {
      const res = await postWebhook(new URL(delivery.endpoint.url), headers, body, { timeoutMs: this.config.webhookTimeoutMs, allowedHosts: this.config.webhookAllowedHosts });
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      // What the receiver answered is stored as text: a NUL in it would fail the write (storableText).
      outcome = { succeeded: ok, statusCode: res.statusCode, error: ok ? null : `HTTP ${res.statusCode}`, responseBody: storableText(res.body) };
    } catch (error) {
      outcome = { succeeded: false, statusCode: null, error: storableText((error as Error).message.slice(0, 500)), responseBody: null };
    }
    context.logger.log('webhook attempt', { deliveryId, attempt, eventType: delivery.eventType, statusCode: outcome.statusCode, error: outcome.error });
    await this.record(delivery, attempt, { ...outcome, final: false, countsForEndpoint: true });
  }

  private async record(
    delivery: DeliveryToSend,
    attempt: number,
    o: { succeeded: boolean; statusCode: number | null; error: string | null; responseBody: string | null; final: boolean; countsForEndpoint: boolean },
  ): Promise<void> {
    const at = new Date();
    const delay = o.succeeded || o.final ? null : retryDelayMs(attempt, this.config.webhookBackoffBaseMs);
    const nextAttemptAt = delay === null ? null : new Date(at.getTime() + delay);
    await this.dispatch.transaction(async (transaction) => {
      // When this attempt disabled the endpoint, the next attempt still runs and fails at once as disabled.
      const { recorded } = await this.webhooks.recordAttempt(
        delivery.id,
        { attempt, at, succeeded: o.succeeded, statusCode: o.statusCode, error: o.error, responseBody: o.responseBody, nextAttemptAt, countsForEndpoint: o.countsForEndpoint },
        this.config.webhookDisableAfterMs,
      );
      if (recorded && nextAttemptAt) await this.dispatch.scheduleAttempt(transaction, delivery.tenant, delivery.id, attempt + 1, nextAttemptAt, delivery.eventType);
    });
  }

  /** The payload's `data`, read now with the permissions of the admin who registered the endpoint. */
  private async eventData(delivery: DeliveryToSend): Promise<Record<string, unknown>> {
    const owner = Principal.fromJSON(delivery.endpoint.owner);
    const data = delivery.eventData;
    try {
      switch (delivery.eventType) {
        case 'export.ready': {
          const exportId = String(data.exportId);
          const info: ExportInfo = await this.queryBus.execute(new GetExportInfoQuery(owner, exportId));
          const link: ExportDownloadLink = await this.commandBus.execute(new CreateExportDownloadLinkCommand(owner, exportId, WEBHOOK_LINK_SECONDS));
          return { ...info, downloadUrl: link.url, downloadUrlExpiresAt: link.expiresAt };
        }
        case 'import.completed':
          return { ...(await this.queryBus.execute(new GetImportRecordQuery(owner, String(data.importRecordId)))) };
        case 'job.succeeded':
        case 'job.failed':
        case 'job.cancelled':
          // The job as it is now; the stored facts when it has been purged since.
          return await this.queryBus.execute(new GetJobQuery(owner, String(data.jobId))).then(
            (job) => ({ ...job }),
            (error) => {
              if (error instanceof NotFoundError) return data;
              throw error;
            },
          );
        default:
          return data;
      }
    } catch (error) {
      if (error instanceof NotFoundError) throw new Undeliverable(`not visible to the webhook's owner any more: ${error.message}`);
      if (error instanceof GoneError || error instanceof ConflictError) throw new Undeliverable(error.message);
      throw error;
    }
  }
}

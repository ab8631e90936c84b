import { Module } from '@nestjs/common';
import { DeleteWebhookHandler } from './application/delete-webhook/delete-webhook.handler';
import { GetWebhookHandler } from './application/get-webhook/get-webhook.handler';
import { ListWebhookDeliveriesHandler } from './application/list-webhook-deliveries/list-webhook-deliveries.handler';
import { ListWebhooksHandler } from './application/list-webhooks/list-webhooks.handler';
import { PingWebhookHandler } from './application/ping-webhook/ping-webhook.handler';
import { RedeliverWebhookHandler } from './application/redeliver-webhook/redeliver-webhook.handler';
import { RegisterWebhookHandler } from './application/register-webhook/register-webhook.handler';
import { ResendExportReadyHandler } from './application/resend-export-ready/resend-export-ready.handler';
import { RotateWebhookSecretHandler } from './application/rotate-webhook-secret/rotate-webhook-secret.handler';
import { UpdateWebhookHandler } from './application/update-webhook/update-webhook.handler';
import { SECRET_SEALER, WEBHOOK_REPOSITORY, WEBHOOK_URL_GUARD } from './application/ports/webhook.ports';
import { WebhookDispatch } from './application/webhook-dispatch';
import { AesSecretSealer, ResolvingWebhookUrlGuard } from './infrastructure/delivery/webhook-url.guard';
import { PgWebhookRepository } from './infrastructure/persistence/pg-webhook.repository';
import { WebhookFeedStart } from './infrastructure/webhook-feed-start';

/**
 * Webhooks (ADR 045): tenant admins register endpoints; Porter signs and delivers events derived
 * from the other modules' durable state. Reaches job-queue, exports and imports only through
 * their public commands and queries; none of them knows this module.
 */
@Module({
  providers: [
    { provide: WEBHOOK_REPOSITORY, useClass: PgWebhookRepository },
    { provide: WEBHOOK_URL_GUARD, useClass: ResolvingWebhookUrlGuard },
    { provide: SECRET_SEALER, useClass: AesSecretSealer },
    WebhookDispatch,
    RegisterWebhookHandler,
    UpdateWebhookHandler,
    DeleteWebhookHandler,
    RotateWebhookSecretHandler,
    PingWebhookHandler,
    RedeliverWebhookHandler,
    ResendExportReadyHandler,
    ListWebhooksHandler,
    GetWebhookHandler,
    ListWebhookDeliveriesHandler,
    WebhookFeedStart,
  ],
  exports: [WEBHOOK_REPOSITORY, SECRET_SEALER, WebhookDispatch],
})
export class WebhooksModule {}

import { Module } from '@nestjs/common';
import { DeliverWebhookJobHandler } from './infrastructure/worker/deliver-webhook.job-handler';
import { WebhookEventFeed } from './infrastructure/worker/webhook-event-feed';
import { SendExportReadyEmailJobHandler } from './infrastructure/worker/send-export-ready-email.job-handler';
import { WebhooksModule } from './webhooks.module';

/** Worker process only: the feeds that create deliveries, the `webhook.deliver` job handler and the export-ready email. */
@Module({
  imports: [WebhooksModule],
  providers: [WebhookEventFeed, DeliverWebhookJobHandler, SendExportReadyEmailJobHandler],
})
export class WebhooksWorkerModule {}

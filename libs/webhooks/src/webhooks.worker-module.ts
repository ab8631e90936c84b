import { Module } from '@nestjs/common';
import { DeliverWebhookJobHandler } from './infrastructure/worker/deliver-webhook.job-handler';
import { WebhookEventFeed } from './infrastructure/worker/webhook-event-feed';
import { WebhooksModule } from './webhooks.module';

/** Worker process only: the feeds that create deliveries and the `webhook.deliver` job handler. */
@Module({
  imports: [WebhooksModule],
  providers: [WebhookEventFeed, DeliverWebhookJobHandler],
})
export class WebhooksWorkerModule {}

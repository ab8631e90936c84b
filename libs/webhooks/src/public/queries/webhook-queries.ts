import { Query } from '@nestjs/cqrs';
import type { Page, Principal, SortOrder } from '@porter/shared-kernel';
import type { WebhookDeliveryInfo, WebhookDeliveryStatus, WebhookEndpointInfo } from '../entities/webhook-info';

export class ListWebhooksQuery extends Query<Page<WebhookEndpointInfo>> {
  /** `order`: by creation time, newest first unless 'oldest'. */
  constructor(readonly principal: Principal, readonly offset = 0, readonly limit = 20, readonly order: SortOrder = 'newest') {
    super();
  }
}

export class GetWebhookQuery extends Query<WebhookEndpointInfo> {
  constructor(readonly principal: Principal, readonly webhookId: string) {
    super();
  }
}

export class ListWebhookDeliveriesQuery extends Query<Page<WebhookDeliveryInfo>> {
  constructor(
    readonly principal: Principal,
    readonly webhookId: string,
    readonly status: WebhookDeliveryStatus | undefined,
    readonly offset = 0,
    readonly limit = 20,
    /** By creation time, newest first unless 'oldest'. */
    readonly order: SortOrder = 'newest',
  ) {
    super();
  }
}

import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError, Page } from '@porter/shared-kernel';
import type { WebhookDeliveryInfo } from '../../public/entities/webhook-info';
import { ListWebhookDeliveriesQuery } from '../../public/queries/webhook-queries';
import { WEBHOOK_REPOSITORY, WebhookRepository } from '../ports/webhook.ports';
import { requireAdmin } from '../webhook-rules';

@QueryHandler(ListWebhookDeliveriesQuery)
export class ListWebhookDeliveriesHandler implements IQueryHandler<ListWebhookDeliveriesQuery, Page<WebhookDeliveryInfo>> {
  constructor(@Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository) {}

  async execute({ principal, webhookId, status, offset, limit, order }: ListWebhookDeliveriesQuery): Promise<Page<WebhookDeliveryInfo>> {
    requireAdmin(principal);
    if (!(await this.webhooks.getEndpoint(principal.tenant, webhookId))) throw new NotFoundError('Webhook', webhookId);
    return this.webhooks.listDeliveries(principal.tenant, webhookId, status, offset, limit, order);
  }
}

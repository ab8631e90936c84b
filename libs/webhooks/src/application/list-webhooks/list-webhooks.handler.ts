import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { Page } from '@porter/shared-kernel';
import type { WebhookEndpointInfo } from '../../public/entities/webhook-info';
import { ListWebhooksQuery } from '../../public/queries/webhook-queries';
import { WEBHOOK_REPOSITORY, WebhookRepository } from '../ports/webhook.ports';
import { info, requireAdmin } from '../webhook-rules';

@QueryHandler(ListWebhooksQuery)
export class ListWebhooksHandler implements IQueryHandler<ListWebhooksQuery, Page<WebhookEndpointInfo>> {
  constructor(@Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository) {}

  async execute({ principal, offset, limit, order }: ListWebhooksQuery): Promise<Page<WebhookEndpointInfo>> {
    requireAdmin(principal);
    const page = await this.webhooks.listEndpoints(principal.tenant, offset, limit, order);
    return { items: page.items.map(info), totalRecords: page.totalRecords };
  }
}

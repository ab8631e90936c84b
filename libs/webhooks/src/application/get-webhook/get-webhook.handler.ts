import { Inject } from '@nestjs/common';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import type { WebhookEndpointInfo } from '../../public/entities/webhook-info';
import { GetWebhookQuery } from '../../public/queries/webhook-queries';
import { WEBHOOK_REPOSITORY, WebhookRepository } from '../ports/webhook.ports';
import { info, requireAdmin } from '../webhook-rules';

@QueryHandler(GetWebhookQuery)
export class GetWebhookHandler implements IQueryHandler<GetWebhookQuery, WebhookEndpointInfo> {
  constructor(@Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository) {}

  async execute({ principal, webhookId }: GetWebhookQuery): Promise<WebhookEndpointInfo> {
    requireAdmin(principal);
    const endpoint = await this.webhooks.getEndpoint(principal.tenant, webhookId);
    if (!endpoint) throw new NotFoundError('Webhook', webhookId);
    return info(endpoint);
  }
}

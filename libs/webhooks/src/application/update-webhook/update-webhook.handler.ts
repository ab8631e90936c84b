import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { UpdateWebhookCommand } from '../../public/actions/webhook-commands';
import type { WebhookEndpointInfo } from '../../public/entities/webhook-info';
import { WEBHOOK_REPOSITORY, WEBHOOK_URL_GUARD, WebhookRepository, WebhookUrlGuard } from '../ports/webhook.ports';
import { checkInput, info, requireAdmin } from '../webhook-rules';

@CommandHandler(UpdateWebhookCommand)
export class UpdateWebhookHandler implements ICommandHandler<UpdateWebhookCommand, WebhookEndpointInfo> {
  constructor(
    @Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository,
    @Inject(WEBHOOK_URL_GUARD) private readonly guard: WebhookUrlGuard,
  ) {}

  async execute({ principal, webhookId, changes }: UpdateWebhookCommand): Promise<WebhookEndpointInfo> {
    requireAdmin(principal);
    if (!(await this.webhooks.getEndpoint(principal.tenant, webhookId))) throw new NotFoundError('Webhook', webhookId);
    checkInput(changes, true);
    if (changes.url !== undefined) await this.guard.check(changes.url);
    const updated = await this.webhooks.updateEndpoint(principal.tenant, webhookId, {
      url: changes.url,
      events: changes.events ? [...new Set(changes.events)] : undefined,
      description: changes.description,
      enabled: changes.enabled,
    });
    if (!updated) throw new NotFoundError('Webhook', webhookId);
    return info(updated);
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { DeleteWebhookCommand } from '../../public/actions/webhook-commands';
import { WEBHOOK_REPOSITORY, WebhookRepository } from '../ports/webhook.ports';
import { requireAdmin } from '../webhook-rules';

@CommandHandler(DeleteWebhookCommand)
export class DeleteWebhookHandler implements ICommandHandler<DeleteWebhookCommand, void> {
  constructor(@Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository) {}

  async execute({ principal, webhookId }: DeleteWebhookCommand): Promise<void> {
    requireAdmin(principal);
    if (!(await this.webhooks.deleteEndpoint(principal.tenant, webhookId))) throw new NotFoundError('Webhook', webhookId);
  }
}

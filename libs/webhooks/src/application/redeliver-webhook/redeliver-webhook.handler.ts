import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, NotFoundError } from '@porter/shared-kernel';
import { RedeliverWebhookCommand } from '../../public/actions/webhook-commands';
import { WEBHOOK_REPOSITORY, WebhookRepository } from '../ports/webhook.ports';
import { WebhookDispatch } from '../webhook-dispatch';
import { requireAdmin } from '../webhook-rules';

@CommandHandler(RedeliverWebhookCommand)
export class RedeliverWebhookHandler implements ICommandHandler<RedeliverWebhookCommand, { deliveryId: string }> {
  constructor(
    @Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository,
    private readonly dispatch: WebhookDispatch,
  ) {}

  async execute({ principal, webhookId, deliveryId }: RedeliverWebhookCommand): Promise<{ deliveryId: string }> {
    requireAdmin(principal);
    const endpoint = await this.webhooks.getEndpoint(principal.tenant, webhookId);
    if (!endpoint) throw new NotFoundError('Webhook', webhookId);
    const status = await this.webhooks.deliveryStatus(principal.tenant, webhookId, deliveryId);
    if (!status) throw new NotFoundError('Delivery', deliveryId);
    if (status === 'pending') throw new ConflictError(`Delivery ${deliveryId} is still pending (its next attempt is scheduled)`);
    await this.dispatch.transaction(async (transaction) => {
      const attempt = await this.webhooks.reopenDelivery(principal.tenant, webhookId, deliveryId);
      if (attempt === null) throw new ConflictError(`Delivery ${deliveryId} is still pending`);
      await this.dispatch.scheduleAttempt(transaction, principal.tenant, deliveryId, attempt, null, 'redelivery');
    });
    return { deliveryId };
  }
}

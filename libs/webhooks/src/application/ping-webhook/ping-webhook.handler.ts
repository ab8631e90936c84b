import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ConflictError, newId, NotFoundError } from '@porter/shared-kernel';
import { PingWebhookCommand } from '../../public/actions/webhook-commands';
import { WEBHOOK_REPOSITORY, WebhookRepository } from '../ports/webhook.ports';
import { WebhookDispatch } from '../webhook-dispatch';
import { requireAdmin } from '../webhook-rules';

@CommandHandler(PingWebhookCommand)
export class PingWebhookHandler implements ICommandHandler<PingWebhookCommand, { eventId: string; deliveryId: string }> {
  constructor(
    @Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository,
    private readonly dispatch: WebhookDispatch,
  ) {}

  async execute({ principal, webhookId }: PingWebhookCommand): Promise<{ eventId: string; deliveryId: string }> {
    requireAdmin(principal);
    const endpoint = await this.webhooks.getEndpoint(principal.tenant, webhookId);
    if (!endpoint) throw new NotFoundError('Webhook', webhookId);
    if (!endpoint.enabled) throw new ConflictError(`Webhook ${webhookId} is disabled; enable it first`);
    const created = await this.dispatch.transaction((transaction) =>
      this.dispatch.emit(transaction, { tenant: principal.tenant, type: 'ping', sourceKey: `ping:${newId()}`, data: { webhookId }, onlyEndpointId: webhookId }),
    );
    if (!created) {
      // Disabled or deleted since it was read above (deleted while the event was written: the
      // repository's NotFoundError).
      if (!(await this.webhooks.getEndpoint(principal.tenant, webhookId))) throw new NotFoundError('Webhook', webhookId);
      throw new ConflictError(`Webhook ${webhookId} is disabled; enable it first`);
    }
    return { eventId: created.eventId, deliveryId: created.deliveryIds[0] };
  }
}

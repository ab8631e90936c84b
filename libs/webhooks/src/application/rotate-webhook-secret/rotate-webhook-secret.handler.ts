import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { RotateWebhookSecretCommand } from '../../public/actions/webhook-commands';
import { SECRET_SEALER, SecretSealer, WEBHOOK_REPOSITORY, WebhookRepository } from '../ports/webhook.ports';
import { requireAdmin } from '../webhook-rules';

@CommandHandler(RotateWebhookSecretCommand)
export class RotateWebhookSecretHandler implements ICommandHandler<RotateWebhookSecretCommand, { secret: string }> {
  constructor(
    @Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository,
    @Inject(SECRET_SEALER) private readonly sealer: SecretSealer,
  ) {}

  async execute({ principal, webhookId }: RotateWebhookSecretCommand): Promise<{ secret: string }> {
    requireAdmin(principal);
    if (!(await this.webhooks.getEndpoint(principal.tenant, webhookId))) throw new NotFoundError('Webhook', webhookId);
    const secret = this.sealer.newSecret();
    await this.webhooks.setSecret(principal.tenant, webhookId, this.sealer.seal(secret, webhookId));
    return { secret };
  }
}

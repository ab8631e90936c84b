import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { newId } from '@porter/shared-kernel';
import { RegisterWebhookCommand } from '../../public/actions/webhook-commands';
import type { WebhookEndpointWithSecret } from '../../public/entities/webhook-info';
import { EndpointRecord, SECRET_SEALER, SecretSealer, WEBHOOK_REPOSITORY, WEBHOOK_URL_GUARD, WebhookRepository, WebhookUrlGuard } from '../ports/webhook.ports';
import { checkInput, info, requireAdmin } from '../webhook-rules';

@CommandHandler(RegisterWebhookCommand)
export class RegisterWebhookHandler implements ICommandHandler<RegisterWebhookCommand, WebhookEndpointWithSecret> {
  constructor(
    @Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository,
    @Inject(WEBHOOK_URL_GUARD) private readonly guard: WebhookUrlGuard,
    @Inject(SECRET_SEALER) private readonly sealer: SecretSealer,
  ) {}

  async execute({ principal, input }: RegisterWebhookCommand): Promise<WebhookEndpointWithSecret> {
    requireAdmin(principal);
    checkInput(input, false);
    await this.guard.check(input.url);
    const id = newId();
    const secret = this.sealer.newSecret();
    const now = new Date().toISOString();
    const record: EndpointRecord = {
      id,
      tenant: principal.tenant,
      url: input.url,
      events: [...new Set(input.events)],
      description: input.description ?? null,
      enabled: input.enabled ?? true,
      createdAt: now,
      updatedAt: now,
      disabledAt: null,
      disabledReason: null,
      secretSealed: this.sealer.seal(secret, id),
      owner: principal.toJSON(),
    };
    await this.webhooks.insertEndpoint(record);
    return { ...info(record), secret };
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler, IQueryHandler, QueryBus, QueryHandler } from '@nestjs/cqrs';
import { ExportInfo, GetExportInfoQuery } from '@porter/exports';
import { ConflictError, FieldError, ForbiddenError, newId, NotFoundError, Page, Principal, ValidationError } from '@porter/shared-kernel';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook-event-types';
import {
  DeleteWebhookCommand,
  PingWebhookCommand,
  RedeliverWebhookCommand,
  RegisterWebhookCommand,
  ResendExportReadyCommand,
  RotateWebhookSecretCommand,
  UpdateWebhookCommand,
  WebhookEndpointInput,
} from '../public/actions/webhook-commands';
import type { WebhookDeliveryInfo, WebhookEndpointInfo, WebhookEndpointWithSecret } from '../public/entities/webhook-info';
import { GetWebhookQuery, ListWebhookDeliveriesQuery, ListWebhooksQuery } from '../public/queries/webhook-queries';
import { EndpointRecord, SECRET_SEALER, SecretSealer, WEBHOOK_REPOSITORY, WEBHOOK_URL_GUARD, WebhookRepository, WebhookUrlGuard } from './ports/webhook.ports';
import { WebhookDispatch } from './webhook-dispatch';

function requireAdmin(principal: Principal): void {
  if (!principal.isAdmin) throw new ForbiddenError('Webhooks are managed by tenant admins');
}

function info(record: EndpointRecord): WebhookEndpointInfo {
  const { tenant: _t, secretSealed: _s, owner: _o, ...rest } = record;
  return rest;
}

/** Events: known types, or exactly ["*"]. */
function checkInput(input: Partial<WebhookEndpointInput>, partial: boolean): void {
  const errors: FieldError[] = [];
  if (!partial || input.events !== undefined) {
    const events = input.events;
    if (!Array.isArray(events) || events.length === 0) errors.push({ path: 'events', message: 'must list at least one event type, or ["*"]' });
    else if (events.includes('*') && events.length > 1) errors.push({ path: 'events', message: '"*" stands alone' });
    else {
      const unknown = events.filter((e) => e !== '*' && !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
      if (unknown.length) errors.push({ path: 'events', message: `unknown event type(s) ${unknown.join(', ')}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}` });
    }
  }
  if (errors.length) throw new ValidationError('The webhook is invalid', errors);
}

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

@CommandHandler(DeleteWebhookCommand)
export class DeleteWebhookHandler implements ICommandHandler<DeleteWebhookCommand, void> {
  constructor(@Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository) {}

  async execute({ principal, webhookId }: DeleteWebhookCommand): Promise<void> {
    requireAdmin(principal);
    if (!(await this.webhooks.deleteEndpoint(principal.tenant, webhookId))) throw new NotFoundError('Webhook', webhookId);
  }
}

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
    const created = await this.dispatch.transaction(() =>
      this.dispatch.emit({ tenant: principal.tenant, type: 'ping', sourceKey: `ping:${newId()}`, data: { webhookId }, onlyEndpointId: webhookId }),
    );
    if (!created) throw new ConflictError(`Webhook ${webhookId} is disabled; enable it first`);
    return { eventId: created.eventId, deliveryId: created.deliveryIds[0] };
  }
}

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
    await this.dispatch.transaction(async () => {
      const attempt = await this.webhooks.reopenDelivery(principal.tenant, webhookId, deliveryId);
      if (attempt === null) throw new ConflictError(`Delivery ${deliveryId} is still pending`);
      await this.dispatch.scheduleAttempt(principal.tenant, deliveryId, attempt, null, 'redelivery');
    });
    return { deliveryId };
  }
}

@CommandHandler(ResendExportReadyCommand)
export class ResendExportReadyHandler implements ICommandHandler<ResendExportReadyCommand, { eventId: string; deliveries: number }> {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly dispatch: WebhookDispatch,
  ) {}

  async execute({ principal, exportId }: ResendExportReadyCommand): Promise<{ eventId: string; deliveries: number }> {
    // The caller must see the export (404 otherwise, as everywhere in exports).
    const exportInfo: ExportInfo = await this.queryBus.execute(new GetExportInfoQuery(principal, exportId));
    if (exportInfo.status !== 'succeeded' || !exportInfo.result) throw new ConflictError(`Export ${exportId} is ${exportInfo.status}: only a succeeded export can be resent`);
    if (exportInfo.result.expired) throw new ConflictError(`Export ${exportId} expired at ${exportInfo.result.expiresAt}: its file is gone`);
    const created = await this.dispatch.transaction(() =>
      this.dispatch.emit({ tenant: principal.tenant, type: 'export.ready', sourceKey: `export.ready:resend:${newId()}`, data: { exportId, resentBy: principal.userId } }),
    );
    return { eventId: created?.eventId ?? '', deliveries: created?.deliveryIds.length ?? 0 };
  }
}

@QueryHandler(ListWebhooksQuery)
export class ListWebhooksHandler implements IQueryHandler<ListWebhooksQuery, Page<WebhookEndpointInfo>> {
  constructor(@Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository) {}

  async execute({ principal, offset, limit }: ListWebhooksQuery): Promise<Page<WebhookEndpointInfo>> {
    requireAdmin(principal);
    const page = await this.webhooks.listEndpoints(principal.tenant, offset, limit);
    return { items: page.items.map(info), totalRecords: page.totalRecords };
  }
}

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

@QueryHandler(ListWebhookDeliveriesQuery)
export class ListWebhookDeliveriesHandler implements IQueryHandler<ListWebhookDeliveriesQuery, Page<WebhookDeliveryInfo>> {
  constructor(@Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository) {}

  async execute({ principal, webhookId, status, offset, limit }: ListWebhookDeliveriesQuery): Promise<Page<WebhookDeliveryInfo>> {
    requireAdmin(principal);
    if (!(await this.webhooks.getEndpoint(principal.tenant, webhookId))) throw new NotFoundError('Webhook', webhookId);
    return this.webhooks.listDeliveries(principal.tenant, webhookId, status, offset, limit);
  }
}

import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { WebhookEndpointInfo, WebhookEndpointWithSecret } from '../entities/webhook-info';

/**
 * Webhook endpoints are a tenant admin's business: every command and query of this module
 * answers 403 to a non-admin and 404 for another tenant's endpoint.
 */
export interface WebhookEndpointInput {
  url: string;
  events: string[];
  description?: string | null;
  enabled?: boolean;
}

/** Registers an endpoint: the URL must be http(s) and resolve only to public addresses (400), unless allowed by WEBHOOK_ALLOWED_HOSTS. */
export class RegisterWebhookCommand extends Command<WebhookEndpointWithSecret> {
  constructor(readonly principal: Principal, readonly input: WebhookEndpointInput) {
    super();
  }
}

export class UpdateWebhookCommand extends Command<WebhookEndpointInfo> {
  constructor(readonly principal: Principal, readonly webhookId: string, readonly changes: Partial<WebhookEndpointInput>) {
    super();
  }
}

/** Deletes the endpoint and its deliveries (pending ones are not sent). */
export class DeleteWebhookCommand extends Command<void> {
  constructor(readonly principal: Principal, readonly webhookId: string) {
    super();
  }
}

/** A new signing secret; the old one stops signing at once. */
export class RotateWebhookSecretCommand extends Command<{ secret: string }> {
  constructor(readonly principal: Principal, readonly webhookId: string) {
    super();
  }
}

/** Sends a `ping` event to this endpoint only. */
export class PingWebhookCommand extends Command<{ eventId: string; deliveryId: string }> {
  constructor(readonly principal: Principal, readonly webhookId: string) {
    super();
  }
}

/** Sends a delivery again (whatever its status), with the same `webhook-id`. */
export class RedeliverWebhookCommand extends Command<{ deliveryId: string }> {
  constructor(readonly principal: Principal, readonly webhookId: string, readonly deliveryId: string) {
    super();
  }
}

/**
 * Emits `export.ready` again for an export the caller may see (404 otherwise) that succeeded and
 * has not expired (409 with the reason otherwise): a new event, delivered to every subscribed
 * endpoint of the tenant with a fresh download link.
 */
export class ResendExportReadyCommand extends Command<{ eventId: string; deliveries: number }> {
  constructor(readonly principal: Principal, readonly exportId: string) {
    super();
  }
}

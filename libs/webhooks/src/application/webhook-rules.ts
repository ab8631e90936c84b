/** Rules every webhook use case applies: admin only, endpoint read model without secrets, event list shape. */
import { FieldError, ForbiddenError, Principal, ValidationError } from '@porter/shared-kernel';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook-event-types';
import type { WebhookEndpointInput } from '../public/actions/webhook-commands';
import type { WebhookEndpointInfo } from '../public/entities/webhook-info';
import type { EndpointRecord } from './ports/webhook.ports';

export function requireAdmin(principal: Principal): void {
  if (!principal.isAdmin) throw new ForbiddenError('Webhooks are managed by tenant admins');
}

export function info(record: EndpointRecord): WebhookEndpointInfo {
  const { tenant: _t, secretSealed: _s, owner: _o, ...rest } = record;
  return rest;
}

/** Events: known types, or exactly ["*"]. */
export function checkInput(input: Partial<WebhookEndpointInput>, partial: boolean): void {
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

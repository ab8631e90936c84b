/** The events an endpoint can subscribe to (`*`: all of them). `ping` is sent on demand, to one endpoint. */
export const WEBHOOK_EVENT_TYPES = ['job.succeeded', 'job.failed', 'job.cancelled', 'export.ready', 'import.completed', 'ping'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function subscribes(events: readonly string[], type: string): boolean {
  return type === 'ping' || events.includes('*') || events.includes(type);
}

/** Response bodies are kept for display, truncated to this many bytes. */
export const RESPONSE_BODY_LIMIT = 1024;

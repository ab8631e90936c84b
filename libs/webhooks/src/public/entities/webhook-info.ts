export interface WebhookEndpointInfo {
  id: string;
  url: string;
  /** Event types, or `["*"]` for all. */
  events: string[];
  description: string | null;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** Set when Porter disabled the endpoint after a day of failures (null when enabled or disabled by a user). */
  disabledReason: string | null;
  disabledAt: string | null;
}

/** Returned once, at registration (and by rotate-secret): the signing secret is never shown again. */
export interface WebhookEndpointWithSecret extends WebhookEndpointInfo {
  secret: string;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

export interface WebhookDeliveryInfo {
  id: string;
  /** Also the `webhook-id` header of every attempt: receivers deduplicate on it. */
  eventId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** The receiver's last response body, at most 1 KiB. */
  lastResponseBody: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

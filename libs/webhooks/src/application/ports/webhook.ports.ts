import type { Page, PrincipalData, SortOrder } from '@porter/shared-kernel';
import type { WebhookDeliveryInfo, WebhookDeliveryStatus, WebhookEndpointInfo } from '../../public/entities/webhook-info';

export interface EndpointRecord extends WebhookEndpointInfo {
  tenant: string;
  secretSealed: string;
  /** The admin who registered it: events are read, and links made, with this principal's permissions. */
  owner: PrincipalData;
}

export interface DeliveryToSend {
  id: string;
  tenant: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  createdAt: Date;
  eventId: string;
  eventType: string;
  eventData: Record<string, unknown>;
  endpoint: EndpointRecord;
}

export interface AttemptOutcome {
  attempt: number;
  at: Date;
  succeeded: boolean;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  /** When to try again; null: no more attempts (the delivery is final). */
  nextAttemptAt: Date | null;
  /** Whether the failure counts against the endpoint's health (an undeliverable event does not). */
  countsForEndpoint: boolean;
}

/**
 * Persistence of endpoints, events and deliveries. Methods marked "joins" run on the caller's
 * MikroORM transaction when there is one (so deliveries and the jobs that send them commit
 * together).
 */
export interface WebhookRepository {
  insertEndpoint(record: EndpointRecord): Promise<void>;
  getEndpoint(tenant: string, id: string): Promise<EndpointRecord | null>;
  listEndpoints(tenant: string, offset: number, limit: number, order?: SortOrder): Promise<Page<EndpointRecord>>;
  updateEndpoint(tenant: string, id: string, changes: { url?: string; events?: string[]; description?: string | null; enabled?: boolean }): Promise<EndpointRecord | null>;
  deleteEndpoint(tenant: string, id: string): Promise<boolean>;
  setSecret(tenant: string, id: string, sealed: string): Promise<boolean>;
  listDeliveries(tenant: string, endpointId: string, status: WebhookDeliveryStatus | undefined, offset: number, limit: number, order?: SortOrder): Promise<Page<WebhookDeliveryInfo>>;
  /** Joins. Creates the event (once per source key) and a pending delivery per matching enabled endpoint; null when the event existed or nobody subscribes. */
  createEvent(event: { tenant: string; type: string; sourceKey: string; data: Record<string, unknown>; onlyEndpointId?: string }): Promise<{ eventId: string; deliveryIds: string[] } | null>;
  /** Joins. A succeeded or failed delivery back to pending; returns its next attempt number, or null when it is pending or not found. */
  reopenDelivery(tenant: string, endpointId: string, deliveryId: string): Promise<number | null>;
  deliveryStatus(tenant: string, endpointId: string, deliveryId: string): Promise<WebhookDeliveryStatus | null>;
  loadForSending(deliveryId: string): Promise<DeliveryToSend | null>;
  /**
   * Joins. Records an attempt (only if it is the next one: a rerun after a crash records nothing
   * twice) and the endpoint's health; disables the endpoint (and logs `webhook.disabled`) when it
   * has failed continuously for `disableAfterMs`. Returns whether it was recorded and whether the
   * endpoint was disabled.
   */
  recordAttempt(deliveryId: string, outcome: AttemptOutcome, disableAfterMs: number): Promise<{ recorded: boolean; disabled: boolean }>;
  /** Deletes events created before `before` whose deliveries have all ended (deliveries go with them). Returns how many. */
  purgeEvents(before: Date, limit: number): Promise<number>;
  /** Joins. Locks a feed's cursor row (SKIP LOCKED: null when another process holds it). */
  lockCursor(name: string): Promise<{ position: Record<string, string> | null } | null>;
  /**
   * Joins. Whether a fact read from a feed is new: `final` facts are new unless they were seen
   * (and forgotten now: the cursor passes them); others are new once, then remembered.
   */
  firstSight(feed: string, key: string, final: boolean): Promise<boolean>;
  /** Joins. */
  saveCursor(name: string, position: Record<string, string>): Promise<void>;
  /** The feed cursors that have no position yet (a fresh install). */
  unplacedCursors(): Promise<string[]>;
  /** Gives cursor `name` its first position, unless it has one already (false then). */
  placeCursor(name: string, position: Record<string, string>): Promise<boolean>;
}

export const WEBHOOK_REPOSITORY = Symbol('WEBHOOK_REPOSITORY');

/** Checks a receiver URL (scheme, resolution to allowed addresses); throws BadRequestError. */
export interface WebhookUrlGuard {
  check(url: string): Promise<void>;
}
export const WEBHOOK_URL_GUARD = Symbol('WEBHOOK_URL_GUARD');

export interface SecretSealer {
  newSecret(): string;
  seal(secret: string, endpointId: string): string;
  open(sealed: string, endpointId: string): string;
}
export const SECRET_SEALER = Symbol('SECRET_SEALER');

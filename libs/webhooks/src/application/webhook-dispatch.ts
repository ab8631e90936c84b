import { Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SubmitJobCommand } from '@porter/job-queue';
import { Transaction, TransactionRunner } from '@porter/platform';
import { Principal } from '@porter/shared-kernel';
import { WEBHOOK_REPOSITORY, WebhookRepository } from './ports/webhook.ports';

/** The job type that sends one attempt of one delivery (ADR 045). */
export const WEBHOOK_DELIVER_JOB_TYPE = 'webhook.deliver';
/** The job type that mails a requester the download link of their ready export (`notify.email`). */
export const EXPORT_READY_EMAIL_JOB_TYPE = 'notification.export-ready-email';

export interface WebhookEventToEmit {
  tenant: string;
  type: string;
  /** What the event stands for, unique: the same source never makes a second event. */
  sourceKey: string;
  data: Record<string, unknown>;
  onlyEndpointId?: string;
}

/**
 * Creates events and deliveries, and submits the `webhook.deliver` job of each attempt, in ONE
 * transaction: a delivery row never exists without the job that sends it, and no job without its
 * row. Delivery jobs belong to the tenant and run as its system principal.
 */
@Injectable()
export class WebhookDispatch {
  constructor(
    @Inject(WEBHOOK_REPOSITORY) private readonly webhooks: WebhookRepository,
    private readonly commandBus: CommandBus,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * Runs `work` in a transaction: the repository's writes inside it join it, and emit and the
   * schedule methods are given it for the jobs they submit.
   */
  transaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    return this.transactions.run(work);
  }

  /** In `transaction` (see `transaction()`): the event, its deliveries and their first attempts' jobs. */
  async emit(transaction: Transaction, event: WebhookEventToEmit): Promise<{ eventId: string; deliveryIds: string[] } | null> {
    const created = await this.webhooks.createEvent(event);
    for (const deliveryId of created?.deliveryIds ?? []) await this.scheduleAttempt(transaction, event.tenant, deliveryId, 1, null, event.type);
    return created;
  }

  /** In `transaction`. The email of a ready export to the address its requester gave; once per export and transition. */
  async scheduleExportReadyEmail(transaction: Transaction, tenant: string, exportId: string, to: string, sourceKey: string): Promise<void> {
    await this.commandBus.execute(
      new SubmitJobCommand(Principal.system(tenant), EXPORT_READY_EMAIL_JOB_TYPE, { exportId, to }, {
        name: 'Email: export ready',
        description: `Export ${exportId}`,
        idempotencyKey: `email:${sourceKey}`,
        transaction,
        // Not refused at the tenant's maxPendingJobs (ADR 062): the export it follows was admitted.
        followUp: true,
      }),
    );
  }

  /** In `transaction`. The job of attempt `attempt`; the idempotency key makes a second submit of the same attempt a no-op. */
  async scheduleAttempt(transaction: Transaction, tenant: string, deliveryId: string, attempt: number, at: Date | null, eventType: string): Promise<void> {
    await this.commandBus.execute(
      new SubmitJobCommand(Principal.system(tenant), WEBHOOK_DELIVER_JOB_TYPE, { deliveryId, attempt }, {
        name: `Webhook ${eventType} (attempt ${attempt})`,
        description: `Delivery ${deliveryId}`,
        scheduledFor: at,
        idempotencyKey: `${deliveryId}:${attempt}`,
        transaction,
        // Not refused at the tenant's maxPendingJobs (ADR 062): a refusal would roll back the
        // event feed's page for every tenant, or leave a delivery pending with no job to send it.
        followUp: true,
      }),
    );
  }
}

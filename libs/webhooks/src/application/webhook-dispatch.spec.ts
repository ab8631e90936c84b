import { CommandBus } from '@nestjs/cqrs';
import { SubmitJobCommand } from '@porter/job-queue';
import type { Transaction, TransactionRunner } from '@porter/platform';
import { EXPORT_READY_EMAIL_JOB_TYPE, WEBHOOK_DELIVER_JOB_TYPE, WebhookDispatch } from './webhook-dispatch';
import type { WebhookRepository } from './ports/webhook.ports';

describe('WebhookDispatch (ADR 062)', () => {
  const submitted: SubmitJobCommand[] = [];
  const bus = { execute: async (command: SubmitJobCommand) => (submitted.push(command), { jobId: 'j', created: true }) } as unknown as CommandBus;
  const repository = { createEvent: async () => ({ eventId: 'e1', deliveryIds: ['d1', 'd2'] }) } as unknown as WebhookRepository;
  const dispatch = new WebhookDispatch(repository, bus, {} as TransactionRunner);
  const transaction = { execute: async () => [], afterCommit: () => undefined } as unknown as Transaction;

  beforeEach(() => submitted.splice(0));

  it("submits each delivery attempt as follow-up work in the caller's transaction: never refused by the tenant's maxPendingJobs", async () => {
    await dispatch.emit(transaction, { tenant: 't1', type: 'export.ready', sourceKey: 'k', data: {} });
    await dispatch.scheduleAttempt(transaction, 't1', 'd1', 2, new Date(Date.now() + 60_000), 'export.ready');
    expect(submitted.map((c) => [c.type, c.payload, c.options.idempotencyKey])).toEqual([
      [WEBHOOK_DELIVER_JOB_TYPE, { deliveryId: 'd1', attempt: 1 }, 'd1:1'],
      [WEBHOOK_DELIVER_JOB_TYPE, { deliveryId: 'd2', attempt: 1 }, 'd2:1'],
      [WEBHOOK_DELIVER_JOB_TYPE, { deliveryId: 'd1', attempt: 2 }, 'd1:2'],
    ]);
    for (const command of submitted) {
      expect(command.options).toMatchObject({ followUp: true, transaction });
      expect(command.principal).toMatchObject({ userId: 'system', tenant: 't1' });
    }
  });

  it('submits the export-ready email as follow-up work too', async () => {
    await dispatch.scheduleExportReadyEmail(transaction, 't1', 'x1', 'a@example.com', 'src');
    expect(submitted).toHaveLength(1);
    expect(submitted[0]).toMatchObject({ type: EXPORT_READY_EMAIL_JOB_TYPE, options: { followUp: true, idempotencyKey: 'email:src', transaction } });
  });
});

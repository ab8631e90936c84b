import { randomUUID } from 'crypto';
import { Module } from '@nestjs/common';
import { CommandBus, EventsHandler, IEventHandler, QueryBus } from '@nestjs/cqrs';
import { TestingModule } from '@nestjs/testing';
import { Readable } from 'stream';
import { CancelJobCommand, GetJobQuery, JobQueueModule, JobQueueWorkerModule, UpdateJobCommand } from '@porter/job-queue';
import {
  AddImportBatchCommand,
  CreateImportRecordCommand,
  FinalizeImportRecordCommand,
  GetImportBatchQuery,
  GetImportRecordQuery,
  ImportBatchCompleted,
  ImportRecordCompleted,
  ImportsModule,
  ImportsWorkerModule,
} from '@porter/imports';
import { DirectoryModule } from '@porter/directory';
import { createIntegrationContext, principal } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';

const batchEvents: ImportBatchCompleted[] = [];
const recordEvents: ImportRecordCompleted[] = [];

/** Another module reacting to the imports module's integration events. */
@EventsHandler(ImportBatchCompleted, ImportRecordCompleted)
class ImportsListener implements IEventHandler<ImportBatchCompleted | ImportRecordCompleted> {
  handle(event: ImportBatchCompleted | ImportRecordCompleted): void {
    if (event instanceof ImportBatchCompleted) batchEvents.push(event);
    else recordEvents.push(event);
  }
}

@Module({ providers: [ImportsListener] })
class ListenerModule {}

const csv = (rows: string[]) => Readable.from([Buffer.from(['first_name,last_name,email,salary', ...rows].join('\n') + '\n')]);

describe('imports events and job outcomes (integration)', () => {
  const tenant = `t-${randomUUID()}`;
  const admin = principal('importer', tenant, { admin: true });
  let app: TestingModule;
  let commandBus: CommandBus;
  let queryBus: QueryBus;

  beforeAll(async () => {
    app = await createIntegrationContext([JobQueueModule, JobQueueWorkerModule, ImportsModule, ImportsWorkerModule, DirectoryModule, ListenerModule]);
    commandBus = app.get(CommandBus);
    queryBus = app.get(QueryBus);
  });

  afterAll(() => app?.close());

  const createRecord = () =>
    commandBus.execute(new CreateImportRecordCommand(admin, { type: 'employees', sourceName: 'events test', expectedReferenceCount: -1 }));

  it('publishes ImportBatchCompleted with the stored status and counts, then ImportRecordCompleted once finalised', async () => {
    const record = await createRecord();
    const batch = await commandBus.execute(
      new AddImportBatchCommand(admin, record.id, {
        stream: csv(['Ada,Lovelace,ada@example.com,100.50', 'Bad,Row,not-an-email,1', 'Alan,Turing,alan@example.com,']),
        fileName: 'people.csv',
      }),
    );
    const batchEvent = await waitFor(() => batchEvents.find((e) => e.importBatchId === batch.id), { what: 'ImportBatchCompleted' });
    const stored = await queryBus.execute(new GetImportBatchQuery(admin, record.id, batch.id));
    expect(batchEvent).toMatchObject({ importRecordId: record.id, tenant, type: 'employees', status: stored.status, counts: stored.counts });
    expect(stored.counts).toMatchObject({ total: 3, completed: 2, failed: 1 });
    expect(recordEvents.find((e) => e.importRecordId === record.id)).toBeUndefined();

    await commandBus.execute(new FinalizeImportRecordCommand(admin, record.id));
    const recordEvent = await waitFor(() => recordEvents.find((e) => e.importRecordId === record.id), { what: 'ImportRecordCompleted' });
    expect(recordEvent).toMatchObject({ tenant, type: 'employees', batchCount: 1 });
    expect((await queryBus.execute(new GetImportRecordQuery(admin, record.id))).status).toBe('completed');
  });

  it('finalised before its last batch ends, the record completes when that batch ends; it is `started` only once processing starts', async () => {
    const record = await createRecord();
    // Scheduled an hour ahead, the batch's job cannot run before the record is finalised.
    const batch = await commandBus.execute(
      new AddImportBatchCommand(admin, record.id, { stream: csv(['Grace,Hopper,grace@example.com,1.00']), fileName: 'later.csv' }, { scheduledFor: new Date(Date.now() + 3_600_000) }),
    );
    expect((await queryBus.execute(new GetJobQuery(admin, batch.jobId as string))).status).toBe('scheduled');
    const finalized = await commandBus.execute(new FinalizeImportRecordCommand(admin, record.id));
    expect(finalized).toMatchObject({ status: 'created', finalizedAt: expect.any(String), completedAt: null, batches: [{ id: batch.id, status: 'created' }] });
    expect(recordEvents.find((e) => e.importRecordId === record.id)).toBeUndefined();

    await commandBus.execute(new UpdateJobCommand(admin, batch.jobId as string, { scheduledFor: null }));
    const recordEvent = await waitFor(() => recordEvents.find((e) => e.importRecordId === record.id), { what: 'ImportRecordCompleted' });
    expect(recordEvent).toMatchObject({ tenant, batchCount: 1 });
    const done = await queryBus.execute(new GetImportRecordQuery(admin, record.id));
    expect(done).toMatchObject({ status: 'completed', completedAt: expect.any(String), batches: [{ id: batch.id, status: 'completed', counts: { completed: 1 } }] });
  });
});

describe('imports: a batch whose job is cancelled before it runs (integration, no worker)', () => {
  const tenant = `t-${randomUUID()}`;
  const admin = principal('importer', tenant, { admin: true });
  let app: TestingModule;

  beforeAll(async () => {
    // No job-queue worker in this context: the batch's job stays pending until we cancel it.
    app = await createIntegrationContext([JobQueueModule, ImportsModule, DirectoryModule, ListenerModule]);
  });

  afterAll(() => app?.close());

  it('marks the batch failed, publishes ImportBatchCompleted and writes nothing', async () => {
    const commandBus = app.get(CommandBus);
    const queryBus = app.get(QueryBus);
    const record = await commandBus.execute(new CreateImportRecordCommand(admin, { type: 'employees', sourceName: 'cancel test', expectedReferenceCount: -1 }));
    const batch = await commandBus.execute(
      new AddImportBatchCommand(admin, record.id, { stream: csv(['Grace,Hopper,grace@example.com,1']), fileName: 'one.csv' }),
    );
    expect(batch.status).toBe('created');
    await commandBus.execute(new CancelJobCommand(admin, batch.jobId as string));
    const failedBatch = await waitFor(
      async () => {
        const b = await queryBus.execute(new GetImportBatchQuery(admin, record.id, batch.id));
        return b.status === 'failed' ? b : undefined;
      },
      { what: 'the batch to be marked failed' },
    );
    expect(failedBatch.counts).toMatchObject({ completed: 0 });
    expect(batchEvents.find((e) => e.importBatchId === batch.id)).toMatchObject({ status: 'failed', tenant });
  });
});

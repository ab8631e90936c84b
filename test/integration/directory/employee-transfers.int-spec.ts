import { randomUUID } from 'crypto';
import { TestingModule } from '@nestjs/testing';
import { Readable } from 'stream';
import { DirectoryModule, EMPLOYEE_TRANSFERS, EmployeeTransfersPort } from '@porter/directory';
import { ExportsModule, ExportsWorkerModule, FileFormat } from '@porter/exports';
import { ImportsModule, ImportsWorkerModule } from '@porter/imports';
import { JobQueueModule, JobQueueWorkerModule } from '@porter/job-queue';
import { createIntegrationContext, principal } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';

/** The reference host as a client: it imports and exports its employees through Porter's public buses only. */
describe('directory EmployeeTransfers over the exports and imports buses (integration)', () => {
  const tenant = `t-${randomUUID()}`;
  const hr = principal('hr-sync', tenant, { admin: true });
  let app: TestingModule;
  let transfers: EmployeeTransfersPort;

  beforeAll(async () => {
    app = await createIntegrationContext([JobQueueModule, JobQueueWorkerModule, ExportsModule, ExportsWorkerModule, ImportsModule, ImportsWorkerModule, DirectoryModule]);
    transfers = app.get(EMPLOYEE_TRANSFERS);
  });
  afterAll(() => app?.close());

  it('imports a supplier file, then extracts the imported employees with chosen columns', async () => {
    const file = Readable.from([Buffer.from('first_name,last_name,email\nAda,Lovelace,ada@example.com\nAlan,Turing,alan@example.com\n')]);
    const record = await transfers.importFile(hr, 'supplier-42', { stream: file, fileName: 'people.csv' });
    expect(record).toMatchObject({ sourceName: 'supplier-42', finalizedAt: expect.any(String), batches: [expect.objectContaining({ fileName: 'people.csv' })] });
    const done = await waitFor(async () => {
      const r = await transfers.importRecord(hr, record.id);
      return r.status === 'completed' ? r : null;
    }, { what: 'the import record to complete' });
    expect(done.batches[0]).toMatchObject({ status: 'completed', counts: { total: 2, completed: 2 } });

    const { exportId, jobId } = await transfers.requestExtract(hr, FileFormat.Jsonl, ['email', 'last_name']);
    expect(jobId).toEqual(expect.any(String));
    const info = await waitFor(async () => {
      const e = await transfers.extract(hr, exportId);
      return e.status === 'succeeded' ? e : null;
    }, { what: 'the extract to succeed' });
    expect(info).toMatchObject({ type: 'employees', format: 'jsonl', columns: ['email', 'last_name'], itemsCount: 2, requestedBy: 'hr-sync' });
  });
});

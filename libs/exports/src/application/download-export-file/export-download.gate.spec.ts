import { Readable } from 'stream';
import type { FileStorage } from '@porter/platform';
import { ConflictError, GoneError, NotFoundError, Principal } from '@porter/shared-kernel';
import type { JobFile } from '@porter/job-queue';
import type { ExportInfo } from '../../public/entities/export-info';
import { ExportOutcome, ExportStatus } from '../../public/enums/export-status';
import { FileFormat } from '../../public/enums/file-format';
import type { ExportRecord, ExportRepository, ExportResultRecord } from '../ports/export-repository.port';
import { ExportDownloadGate, fileGoneMessage } from './export-download.gate';
import { ExportJobFileAccessPolicy } from './export-job-file-access.policy';

const EXPORT_ID = '0b7f3c1e-2d4a-4e5f-8a9b-0c1d2e3f4a5b';
const JOB_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const RESULT_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const NOW = new Date('2026-03-01T12:00:00Z');
const KEY = `job-queue/${JOB_ID}/run-1`;
const bob = new Principal('bob', 'acme', [], ['s1', 's2']);

function resultData(overrides: Partial<ExportResultRecord> = {}): ExportResultRecord {
  return {
    id: RESULT_ID,
    exportRequestId: EXPORT_ID,
    exportType: 'scope-employees',
    scope: 'local',
    fileFormat: FileFormat.Csv,
    outcome: ExportOutcome.Success,
    fileName: 'scope-employees-2026-03-01-0b7f3c1e.csv',
    contentType: 'text/csv; charset=utf-8',
    storageKey: KEY,
    sizeBytes: 10,
    sha256: 'a'.repeat(64),
    itemsCount: 2,
    tenant: 'acme',
    scopeIds: ['s1', 's2'],
    createdAt: '2026-03-01T00:00:00.000Z',
    expiresAt: '2026-03-08T00:00:00.000Z',
    expiredAt: null,
    downloadCount: 0,
    firstDownloadedAt: null,
    lastDownloadedAt: null,
    ...overrides,
  };
}

/**
 * The permission filter is the repository's (SQL, tested against Postgres and end to end); here
 * "visible" and "permitted" are switches, to check what the gate does with each answer.
 */
function setup(
  opts: { visible?: boolean; hasResult?: boolean; permitted?: boolean; result?: Partial<ExportResultRecord>; stored?: boolean; countable?: boolean; jobHasExport?: boolean; deletedWhenCounted?: boolean; purgedBeforeOpen?: boolean } = {},
) {
  const { visible = true, hasResult = true, stored = true, countable = true, jobHasExport = true } = opts;
  let permitted = opts.permitted ?? true;
  const counted: string[] = [];
  const repo = {
    getVisible: async (_p: Principal, id: string) =>
      visible && id === EXPORT_ID ? ({ id, status: hasResult ? ExportStatus.Succeeded : ExportStatus.Running, result: hasResult ? { id: RESULT_ID } : null } as ExportInfo) : null,
    resultsForDownload: async () => (permitted ? [resultData(opts.result)] : []),
    incrementDownloadCounts: async (_p: Principal, ids: readonly string[]) => {
      if (opts.deletedWhenCounted) permitted = false;
      if (!countable) return 0;
      counted.push(...ids);
      return ids.length;
    },
    findByJobId: async (jobId: string) => (jobHasExport && jobId === JOB_ID ? ({ id: EXPORT_ID, jobId } as ExportRecord) : null),
  } as unknown as ExportRepository;
  const storage = {
    stat: async (key: string) => (stored && key === KEY ? { key, sizeBytes: 10, modifiedAt: NOW } : null),
    get: async (key: string, range?: { start: number; end: number }) => {
      if (opts.purgedBeforeOpen || key !== KEY) throw new NotFoundError('Stored object', key);
      const bytes = Buffer.from('0123456789');
      return Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]);
    },
  } as unknown as FileStorage;
  const gate = new ExportDownloadGate(repo, storage, { now: () => NOW });
  return { gate, policy: new ExportJobFileAccessPolicy(repo, gate), counted };
}

const jobFile = (file: Partial<JobFile> = {}): JobFile => ({
  name: 'scope-employees-2026-03-01-0b7f3c1e.csv',
  kind: 'output',
  sizeBytes: 10,
  contentType: 'text/csv; charset=utf-8',
  sha256: 'a'.repeat(64),
  createdAt: '2026-03-01T00:00:00.000Z',
  ...file,
});

describe('ExportDownloadGate', () => {
  it('admits a permitted, unexpired, stored file and counts the download once', async () => {
    const { gate, counted } = setup();
    expect(await gate.admit(bob, EXPORT_ID)).toMatchObject({ id: RESULT_ID, storageKey: KEY });
    expect(counted).toEqual([RESULT_ID]);
  });

  it.each([
    ['an export the caller may not see', { visible: false }, NotFoundError],
    ['an export without a file yet', { hasResult: false }, ConflictError],
    ['a result the caller may no longer download (re-checked)', { permitted: false }, NotFoundError],
    ['a result past its expiry date, not purged yet', { result: { expiresAt: '2026-03-01T11:59:59.999Z' } }, GoneError],
    ['a result expiring this very millisecond', { result: { expiresAt: NOW.toISOString() } }, GoneError],
    ['a purged result', { result: { expiredAt: '2026-02-28T00:00:00.000Z' } }, GoneError],
    ['a file missing from storage', { stored: false }, GoneError],
  ])('refuses %s and counts nothing', async (_what, opts, error) => {
    const { gate, counted } = setup(opts);
    await expect(gate.admit(bob, EXPORT_ID)).rejects.toThrow(error);
    expect(counted).toEqual([]);
  });

  it('answers 404 when the count finds the export gone or no longer permitted (a race with delete)', async () => {
    const { gate, counted } = setup({ countable: false, deletedWhenCounted: true });
    await expect(gate.admit(bob, EXPORT_ID)).rejects.toThrow(NotFoundError);
    expect(counted).toEqual([]);
  });

  it('answers 410 when the count finds the result expired or purged in between (a race with the purge)', async () => {
    const { gate, counted } = setup({ countable: false });
    await expect(gate.admit(bob, EXPORT_ID)).rejects.toThrow(GoneError);
    expect(counted).toEqual([]);
  });

  it('refuses a malformed id without asking the repository', async () => {
    const { gate } = setup();
    await expect(gate.admit(bob, 'not-a-uuid')).rejects.toThrow('Export not-a-uuid was not found');
  });
});

describe('ExportDownloadGate.download', () => {
  const text = async (stream: Readable) => Buffer.concat(await stream.toArray()).toString();

  it('hands out an admitted, counted file by name, type, size and digest, and reads it whole or by range', async () => {
    const { gate, counted } = setup();
    const download = await gate.download(bob, EXPORT_ID);
    expect(download).toMatchObject({ fileName: 'scope-employees-2026-03-01-0b7f3c1e.csv', contentType: 'text/csv; charset=utf-8', sizeBytes: 10, sha256: 'a'.repeat(64) });
    expect(download).not.toHaveProperty('storageKey');
    expect(counted).toEqual([RESULT_ID]);
    expect(await text(await download.open())).toBe('0123456789');
    expect(await text(await download.open({ start: 2, end: 4 }))).toBe('234');
  });

  it('answers 410 when the file was purged between the checks and the read', async () => {
    const download = await setup({ purgedBeforeOpen: true }).gate.download(bob, EXPORT_ID);
    await expect(download.open()).rejects.toThrow(`The file of export ${EXPORT_ID} is no longer available`);
    await expect(download.open()).rejects.toThrow(GoneError);
  });

  it('refuses, uncounted, what admit refuses', async () => {
    const { gate, counted } = setup({ permitted: false });
    await expect(gate.download(bob, EXPORT_ID)).rejects.toThrow(NotFoundError);
    expect(counted).toEqual([]);
  });
});

describe('ExportJobFileAccessPolicy', () => {
  const read = (file = jobFile()) => ({ principal: bob, jobId: JOB_ID, jobType: 'export', file });

  it("admits the export's file through the gate, counting it as a download", async () => {
    const { policy, counted } = setup();
    await expect(policy.authorizeRead(read())).resolves.toBeUndefined();
    expect(counted).toEqual([RESULT_ID]);
  });

  it('names a refusal as the jobs API does (Job file, not Export) and keeps 410 as 410', async () => {
    await expect(setup({ permitted: false }).policy.authorizeRead(read())).rejects.toThrow('Job file scope-employees-2026-03-01-0b7f3c1e.csv was not found');
    await expect(setup({ jobHasExport: false }).policy.authorizeRead(read())).rejects.toThrow(NotFoundError);
    await expect(setup({ result: { expiredAt: '2026-02-28T00:00:00.000Z' } }).policy.authorizeRead(read())).rejects.toThrow(GoneError);
  });

  it("refuses, uncounted, a job file that is not the export's result file", async () => {
    const { policy, counted } = setup();
    await expect(policy.authorizeRead(read(jobFile({ sha256: 'b'.repeat(64) })))).rejects.toThrow(NotFoundError);
    await expect(policy.authorizeRead(read(jobFile({ name: 'notes.txt' })))).rejects.toThrow(NotFoundError);
    expect(counted).toEqual([]);
  });
});

describe('fileGoneMessage: why a download answers 410', () => {
  it('names the expiry when it has passed (the retention purge marks the result after it)', () => {
    expect(fileGoneMessage('e1', { expiresAt: '2026-12-01T00:00:00.000Z', expiredAt: null })).toBe('Export e1 expired at 2026-12-01T00:00:00.000Z');
    expect(fileGoneMessage('e1', { expiresAt: '2026-12-01T00:00:00.000Z', expiredAt: '2026-12-01T00:05:00.000Z' })).toBe('Export e1 expired at 2026-12-01T00:00:00.000Z');
  });

  it('says the file was removed before its expiry when it was (cancelled, job deleted or purged), not "expired at" a date to come', () => {
    expect(fileGoneMessage('e1', { expiresAt: '2027-01-06T00:00:00.000Z', expiredAt: '2026-12-07T06:00:00.000Z' })).toBe(
      'The file of export e1 was removed at 2026-12-07T06:00:00.000Z, before its expiry (2027-01-06T00:00:00.000Z): the export was cancelled, or its job deleted or purged',
    );
  });
});

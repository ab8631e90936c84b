import { createHash } from 'crypto';
import { PassThrough } from 'stream';
import type { EventBus } from '@nestjs/cqrs';
import { NonRetryableJobError } from '@porter/job-queue';
import type { JobContext, StoredJobFile } from '@porter/job-queue';
import { StorageUnavailableError } from '@porter/platform';
import type { FileStorage, PorterConfig } from '@porter/platform';
import { Principal } from '@porter/shared-kernel';
import type { ExportDataSource, ExportRow, ExportTypeDefinition } from '../../public/dependencies/export-data-source.dependency';
import { ExportOutcome, ExportStatus } from '../../public/enums/export-status';
import { FileFormat } from '../../public/enums/file-format';
import { ExportCompleted } from '../../public/events/export-completed.event';
import { ExportFailed } from '../../public/events/export-failed.event';
import { neutralizeFormula } from '../../domain/formula-neutralizer';
import type { ExportFileWriterFactory, ExportFileWriterOptions } from '../ports/export-file-writer.port';
import type { ExportRecord, ExportRepository } from '../ports/export-repository.port';
import type { ExportTypeCatalog } from '../ports/export-type-catalog.port';
import { ExportSupersededError, GenerateExportJobHandler } from './generate-export.job-handler';

const EXPORT_ID = '0b7f3c1e-2d4a-4e5f-8a9b-0c1d2e3f4a5b';

function record(overrides: Partial<ExportRecord> = {}): ExportRecord {
  return {
    id: EXPORT_ID,
    tenant: 'acme',
    requestedBy: 'ada',
    requestedByKind: 'user',
    notifyEmail: null,
    scheduleId: null,
    type: 'people',
    scope: 'global',
    format: FileFormat.Csv,
    name: null,
    filters: {},
    scopeIds: [],
    columns: null,
    ids: null,
    compression: 'none',
    status: ExportStatus.Pending,
    outcome: null,
    jobId: 'job-1',
    itemsCount: null,
    errorMessage: null,
    idempotencyKey: null,
    requestFingerprint: 'fp',
    createdAt: new Date('2026-01-02T03:04:05Z'),
    updatedAt: new Date('2026-01-02T03:04:05Z'),
    scheduledFor: null,
    processedAt: null,
    deletedAt: null,
    ...overrides,
  };
}

/**
 * The repository double. `complete` is guarded like the real one (running and not deleted); a test
 * can change the record in between (`beforeComplete`) to play a delete or cancel racing the finish.
 */
function fakeRepository(initial: ExportRecord) {
  const state = {
    record: initial,
    completed: null as null | { result: Record<string, unknown> },
    calls: [] as string[],
    beforeComplete: undefined as undefined | (() => void),
  };
  const repo: Partial<ExportRepository> = {
    findById: async () => state.record,
    latestResult: async () => null,
    markRunning: async () => {
      state.calls.push('running');
      state.record = { ...state.record, status: ExportStatus.Running };
      return true;
    },
    markRetrying: async (_id, message) => {
      state.calls.push(`retrying:${message}`);
    },
    complete: async (_id, result) => {
      state.beforeComplete?.();
      if (state.record.status !== ExportStatus.Running || state.record.deletedAt) {
        state.calls.push('complete:refused');
        return false;
      }
      state.calls.push('complete');
      state.record = { ...state.record, status: ExportStatus.Succeeded };
      state.completed = { result: result as unknown as Record<string, unknown> };
      return true;
    },
    markFailed: async (_id, message) => {
      state.calls.push(`failed:${message}`);
      return state.record;
    },
    markCancelled: async () => {
      state.calls.push('cancelled');
      if (state.record.status !== ExportStatus.Pending && state.record.status !== ExportStatus.Running) return null;
      state.record = { ...state.record, status: ExportStatus.Cancelled };
      return state.record;
    },
  };
  return { repo: repo as ExportRepository, state };
}

/** A JobContext double: collects the file's bytes, records progress, exposes the abort controller. */
function fakeContext(attempt = 1) {
  const controller = new AbortController();
  const progress: Array<[number, number | null | undefined]> = [];
  const files: { name: string; bytes: Buffer; committed: boolean; aborted: boolean }[] = [];
  let output: Record<string, unknown> | null = null;
  const context: JobContext = {
    jobId: 'job-1',
    type: 'export',
    payload: { exportId: EXPORT_ID },
    principal: new Principal('ada', 'acme', ['admin']),
    attempt,
    maxAttempts: 3,
    runToken: 'run-1',
    signal: controller.signal,
    logger: { log: () => undefined, warn: () => undefined, error: () => undefined },
    progress: async (processed, total) => {
      progress.push([processed, total]);
    },
    checkpoint: async () => undefined,
    checkpointWith: async () => undefined,
    progressWith: async () => undefined,
    lastCheckpoint: () => null,
    writeFile: (name, contentType) => {
      const stream = new PassThrough();
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      const file = { name, bytes: Buffer.alloc(0), committed: false, aborted: false };
      files.push(file);
      return {
        stream,
        commit: async (): Promise<StoredJobFile> => {
          stream.end();
          await new Promise((r) => stream.once('end', r));
          file.bytes = Buffer.concat(chunks);
          file.committed = true;
          return {
            name,
            kind: 'output' as const,
            contentType,
            sizeBytes: file.bytes.length,
            sha256: createHash('sha256').update(file.bytes).digest('hex'),
            storageKey: `job-queue/job-1/${name}`,
            createdAt: new Date().toISOString(),
          };
        },
        abort: async () => {
          file.aborted = true;
          stream.destroy();
        },
      };
    },
    setOutputInformation: (info) => {
      output = info;
    },
  };
  return { context, controller, progress, files, output: () => output };
}

/**
 * A plain writer (comma-joined lines): this test is about the handler, the real writers have their
 * own tests. It honours `neutralizeFormulas` like they do, so the option's way from the type
 * definition to the file is checked here, and it records the options it was created with.
 */
const writerOptions: ExportFileWriterOptions[] = [];
const plainWriters: ExportFileWriterFactory = {
  create: (_format, output, columns, options) => {
    writerOptions.push(options);
    const cell = (v: unknown) => (typeof v === 'string' && options.neutralizeFormulas ? neutralizeFormula(v) : v);
    const values = (row: unknown) => (Array.isArray(row) ? row : columns.map((c) => (row as Record<string, unknown>)[c.key])).map(cell);
    return {
      writeHeader: async () => void output.write(columns.map((c) => c.header).join(',') + '\n'),
      writeRows: async (rows) => void output.write(rows.map((r) => values(r).join(',') + '\n').join('')),
      finish: async () => undefined,
      abort: () => undefined,
    };
  },
};

function setup(source: ExportDataSource, initial = record(), definition: { neutralizeFormulas?: boolean } = {}, writers = plainWriters, settings: Partial<PorterConfig> = {}) {
  const people: ExportTypeDefinition = { type: 'people', scope: 'global', retentionPeriodDays: 10, formats: [FileFormat.Csv, FileFormat.Jsonl, FileFormat.Xlsx], columns, ...definition };
  const types: ExportTypeCatalog = { list: () => [people], find: (type) => (type === 'people' ? { definition: people, source } : null) };
  const { repo, state } = fakeRepository(initial);
  const events: unknown[] = [];
  const eventBus = { publish: (e: unknown) => events.push(e) } as unknown as EventBus;
  const config = { exportBatchSize: 2, exportCsvBom: false, exportMaxRowsPerSecond: 0, ...settings } as PorterConfig;
  const clock = { now: () => new Date('2026-02-01T00:00:00Z') };
  const deleted: string[] = [];
  const storage = { delete: async (key: string) => void deleted.push(key) } as unknown as FileStorage;
  const handler = new GenerateExportJobHandler(repo, types, writers, config, clock, eventBus, storage);
  return { handler, state, events, deleted, repo };
}

const columns = [
  { key: 'id', header: 'id', type: 'string' as const },
  { key: 'n', header: 'n', type: 'number' as const },
];

function batchesSource(batches: ExportRow[][], hooks: { afterBatch?: (i: number) => void; released?: () => void; fail?: Error } = {}): ExportDataSource {
  return {
    count: async () => batches.reduce((n, b) => n + b.length, 0),
    rows: async function* () {
      try {
        for (let i = 0; i < batches.length; i++) {
          yield batches[i];
          hooks.afterBatch?.(i);
        }
        if (hooks.fail) throw hooks.fail;
      } finally {
        hooks.released?.();
      }
    },
  };
}

describe('GenerateExportJobHandler', () => {
  describe('a source that offers COPY text', () => {
    /** The plain writer, plus a byte path that writes complete lines and counts them (tabs become commas). */
    const bytesWriters = (formatsWithBytes: FileFormat[]): ExportFileWriterFactory => ({
      create: (format, output, columns, options) => {
        const plain = plainWriters.create(format, output, columns, options);
        if (!formatsWithBytes.includes(format)) return plain;
        let rest = '';
        return {
          ...plain,
          writeCopyText: async (chunk: Buffer) => {
            const text = rest + chunk.toString();
            const end = text.lastIndexOf('\n') + 1;
            rest = text.slice(end);
            output.write(text.slice(0, end).replace(/\t/g, ','));
            return text.slice(0, end).split('\n').length - 1;
          },
        };
      },
    });
    const copySource = (count: () => Promise<number>): ExportDataSource => ({
      ...batchesSource([[['from', 'rows']]]),
      count,
      copyText: async function* () {
        yield Buffer.from('a\t1\nb\t');
        yield Buffer.from('2\nc\t3.50\n');
      },
    });

    it('writes the file from the bytes when the format can, counting rows from them', async () => {
      const { handler, state } = setup(copySource(async () => 3), record(), {}, bytesWriters([FileFormat.Csv]));
      const { context, progress, files } = fakeContext();
      await handler.run(context);
      expect(files[0].bytes.toString()).toBe('id,n\na,1\nb,2\nc,3.50\n');
      expect(state.completed?.result).toMatchObject({ itemsCount: 3 });
      expect(progress.at(-1)).toEqual([3, 3]);
    });

    it('reads rows in batches instead when the export is throttled (EXPORT_MAX_ROWS_PER_SECOND), so pace and progress stay smooth', async () => {
      const { handler, state } = setup(copySource(async () => 1), record(), {}, bytesWriters([FileFormat.Csv]), { exportMaxRowsPerSecond: 1_000_000 });
      const { context, files } = fakeContext();
      await handler.run(context);
      expect(files[0].bytes.toString()).toBe('id,n\nfrom,rows\n');
      expect(state.completed?.result).toMatchObject({ itemsCount: 1 });
    });

    it('reads rows instead for a format without a byte path (XLSX)', async () => {
      const { handler, state } = setup(copySource(async () => 1), record({ format: FileFormat.Xlsx }), {}, bytesWriters([FileFormat.Csv]));
      const { context, files } = fakeContext();
      await handler.run(context);
      expect(files[0].bytes.toString()).toBe('id,n\nfrom,rows\n');
      expect(state.completed?.result).toMatchObject({ itemsCount: 1 });
    });

    it('never waits for the count: without its answer, the last report gives the rows written as the total', async () => {
      let answer!: (n: number) => void;
      const late = setup(copySource(() => new Promise<number>((r) => (answer = r))), record(), {}, bytesWriters([FileFormat.Csv]));
      const first = fakeContext();
      await late.handler.run(first.context);
      expect(late.state.completed?.result).toMatchObject({ itemsCount: 3 });
      expect(first.progress).toEqual([
        [0, null],
        [1, null],
        [3, null],
        [3, 3],
      ]);
      answer(5);

      const failing = setup(copySource(() => Promise.reject(new Error('count timed out'))), record(), {}, bytesWriters([FileFormat.Csv]));
      const second = fakeContext();
      await failing.handler.run(second.context);
      expect(failing.state.completed?.result).toMatchObject({ itemsCount: 3 });
      expect(second.progress.at(-1)).toEqual([3, 3]);
    });

    it('gives the progress its total once the count answers, also when that is after the last chunk', async () => {
      // Answers during the first chunk: the later reports carry it.
      const early = setup(copySource(async () => 3), record(), {}, bytesWriters([FileFormat.Csv]));
      const first = fakeContext();
      await early.handler.run(first.context);
      expect(first.progress.at(-1)).toEqual([3, 3]);

      // Answers while the file is being committed: one more report with the total.
      let answer!: (n: number) => void;
      const late = setup(copySource(() => new Promise<number>((r) => (answer = r))), record(), {}, bytesWriters([FileFormat.Csv]));
      const second = fakeContext();
      const commit = second.context.writeFile;
      second.context.writeFile = (name, type) => {
        const file = commit.call(second.context, name, type);
        return { ...file, commit: async () => (answer(4), await new Promise((r) => setTimeout(r, 5)), file.commit()) };
      };
      await late.handler.run(second.context);
      // (4: the count saw a row the COPY's snapshot did not; the count's figure is reported as it came.)
      expect(second.progress.at(-2)).toEqual([3, null]);
      expect(second.progress.at(-1)).toEqual([3, 4]);
    });
  });

  it('streams every batch into one committed file, reports progress per batch and records the result', async () => {
    const { handler, state, events } = setup(batchesSource([[['a', 1], ['b', 2]], [{ id: 'c', n: '3.50' }]]));
    const { context, progress, files, output } = fakeContext();
    await handler.run(context);

    expect(files).toHaveLength(1);
    expect(files[0].name).toBe('people-2026-01-02-0b7f3c1e.csv');
    expect(files[0].committed).toBe(true);
    expect(files[0].bytes.toString()).toBe('id,n\na,1\nb,2\nc,3.50\n');
    // The count runs beside the rows: the first report has no total yet.
    expect(progress).toEqual([
      [0, null],
      [2, 3],
      [3, 3],
    ]);
    expect(state.calls).toEqual(['running', 'complete']);
    expect(state.completed?.result).toMatchObject({
      outcome: ExportOutcome.Success,
      itemsCount: 3,
      fileName: 'people-2026-01-02-0b7f3c1e.csv',
      storageKey: 'job-queue/job-1/people-2026-01-02-0b7f3c1e.csv',
      sizeBytes: files[0].bytes.length,
      expiresAt: new Date('2026-02-11T00:00:00Z'),
    });
    expect(output()).toMatchObject({ exportId: EXPORT_ID, itemsCount: 3, outcome: 'success' });
    expect(events).toHaveLength(1);
    expect(events[0]).toBeInstanceOf(ExportCompleted);
    expect(events[0]).toMatchObject({ exportId: EXPORT_ID, outcome: 'success', itemsCount: 3 });
  });

  it('records an empty export as outcome empty with a header-only file', async () => {
    const { handler, state } = setup(batchesSource([]), record({ format: FileFormat.Csv }));
    const { context, files } = fakeContext();
    await handler.run(context);
    expect(files[0].bytes.toString()).toBe('id,n\n');
    expect(state.completed?.result).toMatchObject({ outcome: ExportOutcome.Empty, itemsCount: 0 });
  });

  it('stops within one batch on cancel, discards the file and releases the source', async () => {
    let released = false;
    const fake = fakeContext();
    const batches = Array.from({ length: 10 }, (_, i) => [[`r${i}`, i]]);
    const { handler, state, events } = setup(batchesSource(batches, { afterBatch: (i) => i === 1 && fake.controller.abort('cancelled'), released: () => (released = true) }));
    await expect(handler.run(fake.context)).rejects.toThrow(/interrupted \(cancelled\)/);
    expect(fake.files[0].committed).toBe(false);
    expect(fake.files[0].aborted).toBe(true);
    // Two batches were written before the cancel was seen; no third one was read.
    expect(fake.progress.at(-1)).toEqual([2, 10]);
    expect(released).toBe(true);
    expect(state.calls).toEqual(['running', 'cancelled']);
    expect(events).toEqual([]);
  });

  it('puts the export back to pending on shutdown so the retry can run it', async () => {
    const fake = fakeContext();
    const { handler, state } = setup(batchesSource([[['a', 1]], [['b', 2]]], { afterBatch: () => fake.controller.abort('shutdown') }));
    await expect(handler.run(fake.context)).rejects.toThrow(/shutdown/);
    expect(fake.files[0].aborted).toBe(true);
    expect(state.calls[1]).toMatch(/^retrying:interrupted \(shutdown\)/);
  });

  it('marks a failure as retrying while attempts remain, and failed (with ExportFailed) on the last one', async () => {
    const boom = new Error('database went away');
    const first = setup(batchesSource([[['a', 1]]], { fail: boom }));
    const early = fakeContext(1);
    await expect(first.handler.run(early.context)).rejects.toThrow('database went away');
    expect(early.files[0].aborted).toBe(true);
    expect(first.state.calls).toEqual(['running', 'retrying:database went away']);
    expect(first.events).toEqual([]);

    const last = setup(batchesSource([[['a', 1]]], { fail: boom }));
    const final = fakeContext(3);
    await expect(last.handler.run(final.context)).rejects.toThrow('database went away');
    expect(last.state.calls).toEqual(['running', 'failed:database went away']);
    expect(last.events[0]).toBeInstanceOf(ExportFailed);
  });

  it('keeps the export retrying, even on the last attempt, when the file store was unreachable (the job engine does not count that attempt, ADR 091)', async () => {
    const unreachable = new StorageUnavailableError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3975'), { code: 'ECONNREFUSED' }));
    const last = setup(batchesSource([[['a', 1]]], { fail: unreachable }));
    const final = fakeContext(3);
    await expect(last.handler.run(final.context)).rejects.toBe(unreachable);
    expect(final.files[0].aborted).toBe(true);
    expect(last.state.calls).toEqual(['running', 'retrying:storage unreachable: connect ECONNREFUSED 127.0.0.1:3975']);
    expect(last.events).toEqual([]);
  });

  it("reports the run's own error when discarding the file fails too (the store still unreachable)", async () => {
    const boom = new Error('UploadPart failed');
    const { handler } = setup(batchesSource([[['a', 1]]], { fail: boom }));
    const fake = fakeContext(1);
    const writeFile = fake.context.writeFile;
    fake.context.writeFile = (name, type) => ({ ...writeFile(name, type), abort: async () => Promise.reject(new Error('AbortMultipartUpload: ECONNREFUSED')) });
    await expect(handler.run(fake.context)).rejects.toBe(boom);
  });

  it('discards its committed file and publishes nothing when the export was deleted while it finished', async () => {
    const { handler, state, events, deleted } = setup(batchesSource([[['a', 1]]]));
    state.beforeComplete = () => (state.record = { ...state.record, deletedAt: new Date('2026-02-01T00:00:00Z') });
    const fake = fakeContext();
    await expect(handler.run(fake.context)).rejects.toThrow(ExportSupersededError);
    expect(fake.files[0].committed).toBe(true);
    expect(deleted).toEqual(['job-queue/job-1/people-2026-01-02-0b7f3c1e.csv']);
    expect(state.calls).toEqual(['running', 'complete:refused']);
    expect(state.completed).toBeNull();
    expect(fake.output()).toBeNull();
    expect(events).toEqual([]);
  });

  it('does not overwrite a cancel recorded while it finished', async () => {
    const { handler, state, events, deleted } = setup(batchesSource([[['a', 1]]]));
    state.beforeComplete = () => (state.record = { ...state.record, status: ExportStatus.Cancelled });
    const fake = fakeContext();
    await expect(handler.run(fake.context)).rejects.toThrow(/was cancelled or deleted while it finished/);
    expect(state.record.status).toBe(ExportStatus.Cancelled);
    expect(deleted).toHaveLength(1);
    // The cancel's record stands: no retrying/failed write on top of it.
    expect(state.calls).toEqual(['running', 'complete:refused']);
    expect(events).toEqual([]);
  });

  it('leaves no file when the cancel arrives while the writer finishes, just before the commit', async () => {
    const fake = fakeContext();
    const finishing: ExportFileWriterFactory = {
      create: (format, output, columns, options) => ({
        ...plainWriters.create(format, output, columns, options),
        finish: async () => void fake.controller.abort('cancelled'),
      }),
    };
    const { handler, state, events } = setup(batchesSource([[['a', 1]]]), record(), {}, finishing);
    await expect(handler.run(fake.context)).rejects.toThrow(/interrupted \(cancelled\)/);
    expect(fake.files[0]).toMatchObject({ committed: false, aborted: true });
    expect(state.calls).toEqual(['running', 'cancelled']);
    expect(events).toEqual([]);
  });

  it("passes the type's neutralizeFormulas to the writer: on by default, off when the type turns it off", async () => {
    const rows = [[['=SUM(A1)', 1], ['@cmd', 2]]];
    const byDefault = setup(batchesSource(rows));
    const guarded = fakeContext();
    writerOptions.length = 0;
    await byDefault.handler.run(guarded.context);
    expect(writerOptions).toEqual([expect.objectContaining({ neutralizeFormulas: true })]);
    expect(guarded.files[0].bytes.toString()).toBe("id,n\n'=SUM(A1),1\n'@cmd,2\n");

    const raw = setup(batchesSource(rows), record(), { neutralizeFormulas: false });
    const unguarded = fakeContext();
    writerOptions.length = 0;
    await raw.handler.run(unguarded.context);
    expect(writerOptions).toEqual([expect.objectContaining({ neutralizeFormulas: false })]);
    expect(unguarded.files[0].bytes.toString()).toBe('id,n\n=SUM(A1),1\n@cmd,2\n');
  });

  it('does nothing for an export that already succeeded', async () => {
    const { handler, state } = setup(batchesSource([[['a', 1]]]), record({ status: ExportStatus.Succeeded }));
    const { context, files } = fakeContext();
    await handler.run(context);
    expect(files).toEqual([]);
    expect(state.calls).toEqual([]);
  });

  it('fails, without retries and without touching anything, for an export that was deleted (its job retried by hand)', async () => {
    const { handler, state } = setup(batchesSource([[['a', 1]]]), record({ status: ExportStatus.Cancelled, deletedAt: new Date() }));
    const { context, files } = fakeContext();
    const failure = await handler.run(context).catch((error) => error);
    expect(failure).toBeInstanceOf(NonRetryableJobError);
    expect(failure.message).toBe(`export ${EXPORT_ID} was deleted; there is nothing to run`);
    expect(files).toEqual([]);
    expect(state.calls).toEqual([]);
  });

  it('reports the file of a run that succeeded as a shutdown began, when the released job runs again', async () => {
    // The first run completes the export; the worker releases the job (aborted for shutdown).
    const first = setup(batchesSource([[['a', 1], ['b', 2]]]), record({ ids: ['a', 'b', 'zz'] }));
    const run1 = fakeContext();
    await first.handler.run(run1.context);
    const made = run1.output() as Record<string, unknown>;
    // The next run finds it succeeded: no new file, the same outputInformation.
    const stored = first.state.completed!.result as { id: string; outcome: ExportOutcome; fileName: string; contentType: string; storageKey: string; sizeBytes: number; sha256: string; itemsCount: number; expiresAt: Date };
    first.repo.latestResult = async () => ({ ...stored, expiresAt: stored.expiresAt.toISOString() }) as never;
    const run2 = fakeContext(2);
    await first.handler.run(run2.context);
    expect(run2.files).toEqual([]);
    expect(first.state.calls).toEqual(['running', 'complete']);
    expect(run2.output()).toEqual(made);
    expect(made).toMatchObject({ itemsCount: 2, idsRequested: 3, idsNotExported: 1, sha256: expect.any(String) });
  });
});

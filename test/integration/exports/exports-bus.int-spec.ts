import { randomUUID } from 'crypto';
import { Injectable, Module } from '@nestjs/common';
import { CommandBus, EventsHandler, IEventHandler, QueryBus } from '@nestjs/cqrs';
import { TestingModule } from '@nestjs/testing';
import { Pool } from 'pg';
import { CancelJobCommand, JobQueueModule, JobQueueWorkerModule, NonRetryableJobError } from '@porter/job-queue';
import {
  DownloadExportFileQuery,
  ExportCompleted,
  ExportDataRequest,
  ExportDataSource,
  ExportDataSourceFor,
  ExportFailed,
  ExportsModule,
  ExportsWorkerModule,
  FileFormat,
  GetExportInfoQuery,
  ListExportsQuery,
  RequestExportCommand,
} from '@porter/exports';
import { FileDownload, NotFoundError, Principal } from '@porter/shared-kernel';
import { IsOptional, IsString } from 'class-validator';
import { createIntegrationContext, principal } from '../../support/int-app';
import { waitFor } from '../../support/wait-for';

class PeopleFilters {
  @IsOptional()
  @IsString()
  startsWith?: string;
}

const PEOPLE = ['Ada', 'Bob', 'Cid', 'Dan', 'Eve'];

const COLUMNS = [
  { key: 'name', header: 'name', type: 'string' as const },
  { key: 'n', header: 'n', type: 'number' as const },
];

/** A minimal host: three export types backed by in-memory rows, declared like a real host does. */
@Injectable()
@ExportDataSourceFor({ columns: COLUMNS, type: 'int-people', scope: 'global', retentionPeriodDays: 3, formats: [FileFormat.Csv, FileFormat.Jsonl], filters: PeopleFilters })
class PeopleSource implements ExportDataSource<PeopleFilters> {
  async count(r: ExportDataRequest<PeopleFilters>) {
    return PEOPLE.filter((p) => p.startsWith(r.filters.startsWith ?? '')).length;
  }

  async *rows(r: ExportDataRequest<PeopleFilters>) {
    yield PEOPLE.filter((p) => p.startsWith(r.filters.startsWith ?? '')).map((name, i) => ({ name, n: i }));
  }
}

@Injectable()
@ExportDataSourceFor({ columns: COLUMNS, type: 'int-scoped', scope: 'local', retentionPeriodDays: 1, formats: [FileFormat.Csv] })
class ScopedSource implements ExportDataSource {
  async *rows(r: ExportDataRequest) {
    yield r.scopeIds.map((s, i) => [s, i]);
  }
}

@Injectable()
@ExportDataSourceFor({ columns: COLUMNS, type: 'int-broken', scope: 'global', retentionPeriodDays: 1, formats: [FileFormat.Csv] })
class BrokenSource implements ExportDataSource {
  async *rows() {
    yield [['first', 1]];
    throw new NonRetryableJobError('the host database refused the query');
  }
}

@Module({ providers: [PeopleSource, ScopedSource, BrokenSource] })
class TestHostModule {}

/** Another module: it asks for an export through the command bus and reacts to ExportCompleted / ExportFailed. */
const completed: ExportCompleted[] = [];
const failed: ExportFailed[] = [];

@Injectable()
class MonthlyReport {
  constructor(private readonly commandBus: CommandBus) {}

  request(by: Principal) {
    return this.commandBus.execute(new RequestExportCommand(by, { type: 'int-people', format: FileFormat.Jsonl, filters: { startsWith: 'D' }, name: 'monthly report' }));
  }
}

@EventsHandler(ExportCompleted, ExportFailed)
class ReportOnExportEvents implements IEventHandler<ExportCompleted | ExportFailed> {
  handle(event: ExportCompleted | ExportFailed): void {
    if (event instanceof ExportCompleted) completed.push(event);
    else failed.push(event);
  }
}

@Module({ providers: [MonthlyReport, ReportOnExportEvents] })
class ReportsModule {}

describe('exports through the buses (integration)', () => {
  const tenant = `t-${randomUUID()}`;
  const admin = principal('ada', tenant, { admin: true });
  let app: TestingModule;
  let commandBus: CommandBus;
  let queryBus: QueryBus;
  let pool: Pool;

  beforeAll(async () => {
    app = await createIntegrationContext([JobQueueModule, JobQueueWorkerModule, ExportsModule, ExportsWorkerModule, TestHostModule, ReportsModule]);
    commandBus = app.get(CommandBus);
    queryBus = app.get(QueryBus);
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 2 });
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
  });

  const info = (by: Principal, id: string) => queryBus.execute(new GetExportInfoQuery(by, id));
  const settled = (by: Principal, id: string, status = 'succeeded') =>
    waitFor(async () => ((await info(by, id)).status === status ? info(by, id) : null), { timeoutMs: 20_000, what: `export ${id} ${status}` });

  it('lets another module request an export via the command bus and react to ExportCompleted', async () => {
    const result = await app.get(MonthlyReport).request(admin);
    expect(result).toMatchObject({ created: true, export: { status: 'pending', name: 'monthly report' } });
    const event = await waitFor(() => completed.find((e) => e.exportId === result.exportId), { timeoutMs: 20_000, what: 'ExportCompleted' });
    expect(event).toMatchObject({ tenant, type: 'int-people', format: 'jsonl', requestedBy: 'ada', outcome: 'success', itemsCount: 1, jobId: result.jobId });
    const done = await info(admin, result.exportId);
    expect(done).toMatchObject({ status: 'succeeded', itemsCount: 1, result: { id: event.resultId, fileName: event.fileName, expiresAt: event.expiresAt } });
  });

  it('writes the request and its job in one transaction', async () => {
    const key = randomUUID();
    // Racing requests with one key: one export and one job, never an orphan of either.
    const results = await Promise.all(
      Array.from({ length: 4 }, () => commandBus.execute(new RequestExportCommand(admin, { type: 'int-people', format: FileFormat.Csv }, { idempotencyKey: key }))),
    );
    expect(new Set(results.map((r) => r.exportId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM job_queue.job WHERE payload->>'exportId' = $1`, [results[0].exportId]);
    expect(rows[0].n).toBe(1);
    const orphans = await pool.query(
      `SELECT count(*)::int AS n FROM job_queue.job j WHERE j.tenant = $1 AND j.type = 'export'
         AND NOT EXISTS (SELECT 1 FROM exports.export_request r WHERE r.job_id = j.id)`,
      [tenant],
    );
    expect(orphans.rows[0].n).toBe(0);
  });

  it('writes concurrent requests in shared transactions (group commit), each export with its job', async () => {
    // Due in an hour, so no worker touches the rows: their xmin is still the transaction that wrote them.
    const scheduledFor = new Date(Date.now() + 3_600_000);
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => commandBus.execute(new RequestExportCommand(admin, { type: 'int-people', format: FileFormat.Csv, name: `group ${i}`, scheduledFor }))),
    );
    results.forEach((r, i) => expect(r).toMatchObject({ created: true, export: { id: r.exportId, name: `group ${i}`, format: 'csv' } }));
    const { rows } = await pool.query<{ export_tx: string; job_tx: string; job_status: string; export_id: string }>(
      `SELECT r.xmin::text AS export_tx, j.xmin::text AS job_tx, j.status AS job_status, r.id AS export_id
         FROM exports.export_request r JOIN job_queue.job j ON j.id = r.job_id WHERE r.id = ANY($1::uuid[])`,
      [results.map((r) => r.exportId)],
    );
    expect(rows).toHaveLength(40);
    expect(rows.every((row) => row.export_tx === row.job_tx && row.job_status === 'scheduled')).toBe(true);
    // 40 requests at once cannot have needed 40 commits: the ones that queued went together.
    expect(new Set(rows.map((row) => row.export_tx)).size).toBeLessThan(40);
  });

  it('writes the others of a group that Postgres refuses, and answers the one at fault as if it came alone', async () => {
    const key = randomUUID();
    const scheduledFor = new Date(Date.now() + 3_600_000);
    // Two requests with one key race past the replay lookup into the same group: its commit fails
    // on the unique key, each request is written again alone, and the loser becomes a replay.
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => commandBus.execute(new RequestExportCommand(admin, { type: 'int-people', format: FileFormat.Csv, scheduledFor }))),
      commandBus.execute(new RequestExportCommand(admin, { type: 'int-people', format: FileFormat.Csv, scheduledFor }, { idempotencyKey: key })),
      commandBus.execute(new RequestExportCommand(admin, { type: 'int-people', format: FileFormat.Csv, scheduledFor }, { idempotencyKey: key })),
      ...Array.from({ length: 10 }, () => commandBus.execute(new RequestExportCommand(admin, { type: 'int-people', format: FileFormat.Csv, scheduledFor }))),
    ]);
    const keyed = results.slice(10, 12);
    expect(keyed[0].exportId).toBe(keyed[1].exportId);
    expect(keyed.map((r) => r.created).sort()).toEqual([false, true]);
    const others = [...results.slice(0, 10), ...results.slice(12)];
    expect(others.every((r) => r.created)).toBe(true);
    const ids = [...new Set(results.map((r) => r.exportId))];
    expect(ids).toHaveLength(21);
    const { rows } = await pool.query(
      `SELECT count(*)::int AS exports, count(j.id)::int AS jobs FROM exports.export_request r LEFT JOIN job_queue.job j ON j.id = r.job_id WHERE r.id = ANY($1::uuid[])`,
      [ids],
    );
    expect(rows[0]).toEqual({ exports: 21, jobs: 21 });
    const orphans = await pool.query(
      `SELECT count(*)::int AS n FROM job_queue.job j WHERE j.tenant = $1 AND j.type = 'export'
         AND NOT EXISTS (SELECT 1 FROM exports.export_request r WHERE r.job_id = j.id)`,
      [tenant],
    );
    expect(orphans.rows[0].n).toBe(0);
  });

  it('filters queries by tenant and scope in SQL', async () => {
    const scoped = principal('sue', tenant, { scopes: ['s1', 's2'] });
    const local = await commandBus.execute(new RequestExportCommand(scoped, { type: 'int-scoped', format: FileFormat.Csv, scopeIds: ['s1', 's2'] }));
    await settled(scoped, local.exportId);
    const list = (by: Principal) => queryBus.execute(new ListExportsQuery(by, { type: 'int-scoped' }, 0, 100)).then((p) => p.items.map((i) => i.id));
    expect(await list(scoped)).toContain(local.exportId);
    expect(await list(principal('s1-only', tenant, { scopes: ['s1'] }))).not.toContain(local.exportId);
    expect(await list(admin)).not.toContain(local.exportId);
    expect(await list(principal('sue', `t-${randomUUID()}`, { admin: true, scopes: ['s1', 's2'] }))).not.toContain(local.exportId);
    await expect(info(principal('x', tenant, { scopes: ['s2'] }), local.exportId)).rejects.toThrow(/not found/);
    await expect(info(admin, 'not-a-uuid')).rejects.toThrow(/not found/);
  });

  it('admits downloads only to permitted callers and counts them atomically', async () => {
    const r = await commandBus.execute(new RequestExportCommand(admin, { type: 'int-people', format: FileFormat.Csv }));
    const done = await settled(admin, r.exportId);
    const download = (by: Principal): Promise<FileDownload> => queryBus.execute(new DownloadExportFileQuery(by, r.exportId));
    await expect(download(principal('bob', tenant))).rejects.toThrow(NotFoundError);
    const otherTenant = principal('ada', `t-${randomUUID()}`, { admin: true });
    await expect(download(otherTenant)).rejects.toThrow(NotFoundError);
    expect((await info(admin, r.exportId)).result).toMatchObject({ downloadCount: 0, firstDownloadedAt: null });

    const file = await download(admin);
    const { fileName, sizeBytes, sha256 } = done.result!;
    expect(file).toMatchObject({ fileName, sizeBytes, sha256, contentType: 'text/csv; charset=utf-8' });
    expect(file).not.toHaveProperty('storageKey');
    const bytes = Buffer.concat(await (await file.open()).toArray());
    expect(bytes.length).toBe(sizeBytes);
    expect(bytes.toString().trim().split('\r\n')).toEqual(['name,n', 'Ada,0', 'Bob,1', 'Cid,2', 'Dan,3', 'Eve,4']);
    await Promise.all(Array.from({ length: 19 }, () => download(admin)));
    const after = await info(admin, r.exportId);
    expect(after.result).toMatchObject({ downloadCount: 20 });
    expect(Date.parse(after.result!.lastDownloadedAt!)).toBeGreaterThanOrEqual(Date.parse(after.result!.firstDownloadedAt!));
  });

  it('fails an export whose source fails for good, and publishes ExportFailed once', async () => {
    const r = await commandBus.execute(new RequestExportCommand(admin, { type: 'int-broken', format: FileFormat.Csv }));
    const done = await settled(admin, r.exportId, 'failed');
    expect(done).toMatchObject({ outcome: 'failed', errorMessage: 'the host database refused the query', result: null });
    await waitFor(() => failed.some((e) => e.exportId === r.exportId), { what: 'ExportFailed' });
    expect(failed.filter((e) => e.exportId === r.exportId)).toHaveLength(1);
  });

  it('follows its job when the job is cancelled before it runs', async () => {
    const later = new Date(Date.now() + 3600_000);
    const r = await commandBus.execute(new RequestExportCommand(admin, { type: 'int-people', format: FileFormat.Csv, scheduledFor: later }));
    await commandBus.execute(new CancelJobCommand(admin, r.jobId));
    const done = await settled(admin, r.exportId, 'cancelled');
    expect(done.result).toBeNull();
  });
});

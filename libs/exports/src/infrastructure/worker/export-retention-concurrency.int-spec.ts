import { randomUUID } from 'crypto';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Pool } from 'pg';
import type { CommandBus } from '@nestjs/cqrs';
import type { ForgetJobFilesCommand } from '@porter/job-queue';
import { FileStorage, LocalFileStorage } from '@porter/platform';
import { systemClock } from '@porter/shared-kernel';
import { PgExportRepository } from '../persistence/export.repository';
import { ExportOutcome, ExportStatus } from '../../public/enums/export-status';
import { PurgeExpiredExportsService } from '../../application/purge-expired-exports/purge-expired-exports.service';

/**
 * The retention purge runs in every worker. Three purges at once (each with its own pool, as
 * three worker processes would have) over one database and one store: every expired file is
 * deleted by exactly one of them, every result marked expired once, the rest untouched.
 */
describe('export retention purge with three instances at once (Postgres)', () => {
  const tenant = `t-${randomUUID()}`;
  const pools: Pool[] = [];
  let dir: string;
  let storage: LocalFileStorage;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) pools.push(new Pool({ connectionString: process.env.DATABASE_URL, max: 2 }));
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'porter-purge-'));
    storage = new LocalFileStorage(dir);
    await storage.init();
  });

  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function completedExport(expiresAt: Date): Promise<{ resultId: string; key: string }> {
    const id = randomUUID();
    await pools[0].query(
      `INSERT INTO exports.export_request (id, tenant, requested_by, type, scope, format, status, job_id, request_fingerprint)
       VALUES ($1, $2, 'ada', 'employees', 'global', 'csv', $3, $4, 'fp')`,
      [id, tenant, ExportStatus.Running, randomUUID()],
    );
    const key = `exports/${tenant}/${id}.csv`;
    await storage.put(key, Readable.from(['id\n1\n']));
    const resultId = randomUUID();
    const repository = new PgExportRepository(pools[0]);
    const completed = await repository.complete(
      id,
      { id: resultId, outcome: ExportOutcome.Success, fileName: 'e.csv', contentType: 'text/csv', storageKey: key, sizeBytes: 5, sha256: 'a'.repeat(64), itemsCount: 1, expiresAt },
      new Date(),
    );
    expect(completed).toBe(true);
    return { resultId, key };
  }

  it('deletes each expired file once and marks each result expired once', async () => {
    const past = new Date(Date.now() - 60_000);
    const expired = [];
    for (let i = 0; i < 60; i++) expired.push(await completedExport(past));
    const fresh = await completedExport(new Date(Date.now() + 86_400_000));

    const deleted: string[] = [];
    const counting: FileStorage = Object.create(storage, {
      delete: { value: async (key: string) => (deleted.push(key), storage.delete(key)) },
    });
    // The job-queue's side (its files list) is the e2e's: here, what the purge asks it to forget.
    const forgotten: Array<{ jobId: string; storageKey: string }> = [];
    const commands = { execute: async ({ files }: ForgetJobFilesCommand) => (forgotten.push(...files), files.length) } as unknown as CommandBus;
    const purges = pools.map((pool) => new PurgeExpiredExportsService(new PgExportRepository(pool), counting, systemClock, commands));
    const counts = await Promise.all(purges.map((p) => p.purge()));
    await Promise.all(purges.map((p) => p.purge()));

    const mine = deleted.filter((key) => key.includes(tenant));
    expect(mine.sort()).toEqual(expired.map((e) => e.key).sort());
    expect(counts.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(60);
    for (const { key } of expired) expect(await storage.stat(key)).toBeNull();
    // Each deleted file is forgotten by its job once, named by the job and the storage key.
    expect(forgotten.filter((f) => f.storageKey.includes(tenant)).map((f) => f.storageKey).sort()).toEqual(mine.sort());
    expect(forgotten.every((f) => /^[0-9a-f-]{36}$/.test(f.jobId))).toBe(true);
    expect(await storage.stat(fresh.key)).not.toBeNull();
    const { rows } = await pools[0].query(
      `SELECT count(*) FILTER (WHERE expired_at IS NOT NULL)::int AS expired, count(*)::int AS total
       FROM exports.export_result WHERE id = ANY($1::uuid[])`,
      [[...expired.map((e) => e.resultId), fresh.resultId]],
    );
    expect(rows[0]).toEqual({ expired: 60, total: 61 });
  });
});

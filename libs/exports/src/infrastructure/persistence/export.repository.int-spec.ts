import { randomUUID } from 'crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Pool } from 'pg';
import { explainScans, statementsSent } from '@porter/platform';
import { Principal } from '@porter/shared-kernel';
import type { NewExportResult } from '../../application/ports/export-repository.port';
import { ExportOutcome, ExportStatus } from '../../public/enums/export-status';
import { PgExportRepository } from './export.repository';

/** The repository's guarded writes and computed read fields, against the real schema. */
describe('PgExportRepository (Postgres)', () => {
  const tenant = `t-${randomUUID()}`;
  const admin = new Principal('ada', tenant, ['admin']);
  let pool: Pool;
  let repository: PgExportRepository;

  beforeAll(() => {
    pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 3 });
    repository = new PgExportRepository(pool);
  });

  afterAll(() => pool.end());

  async function insertRequest(status: ExportStatus, opts: { deleted?: boolean } = {}): Promise<string> {
    const id = randomUUID();
    await pool.query(
      `INSERT INTO exports.export_request (id, tenant, requested_by, type, scope, format, status, job_id, request_fingerprint, deleted_at)
       VALUES ($1, $2, 'ada', 'employees', 'global', 'csv', $3, $4, 'fp', $5)`,
      [id, tenant, status, randomUUID(), opts.deleted ? new Date() : null],
    );
    return id;
  }

  const newResult = (expiresAt = new Date(Date.now() + 86_400_000)): NewExportResult => ({
    id: randomUUID(),
    outcome: ExportOutcome.Success,
    fileName: 'employees.csv',
    contentType: 'text/csv; charset=utf-8',
    storageKey: `job-queue/${randomUUID()}/file`,
    sizeBytes: 10,
    sha256: 'a'.repeat(64),
    itemsCount: 2,
    expiresAt,
  });

  const stored = async (id: string) => {
    const request = await pool.query(`SELECT status, outcome, items_count FROM exports.export_request WHERE id = $1`, [id]);
    const results = await pool.query(`SELECT id FROM exports.export_result WHERE export_request_id = $1`, [id]);
    return { ...request.rows[0], results: results.rowCount };
  };

  describe('complete', () => {
    it('completes a running export with its result', async () => {
      const id = await insertRequest(ExportStatus.Running);
      expect(await repository.complete(id, newResult(), new Date())).toBe(true);
      expect(await stored(id)).toEqual({ status: 'succeeded', outcome: 'success', items_count: 2, results: 1 });
    });

    it.each([
      ['cancelled while it finished', ExportStatus.Cancelled, false],
      ['failed meanwhile (attempts ran out elsewhere)', ExportStatus.Failed, false],
      ['put back to pending', ExportStatus.Pending, false],
      ['already succeeded', ExportStatus.Succeeded, false],
      ['deleted while still running', ExportStatus.Running, true],
    ])('writes nothing for an export %s', async (_what, status, deleted) => {
      const id = await insertRequest(status, { deleted });
      expect(await repository.complete(id, newResult(), new Date())).toBe(false);
      expect(await stored(id)).toEqual({ status, outcome: null, items_count: null, results: 0 });
    });

    it("gives the export's newest result to a later run of its job (none before it completed)", async () => {
      const id = await insertRequest(ExportStatus.Running);
      expect(await repository.latestResult(id)).toBeNull();
      const result = newResult();
      await repository.complete(id, result, new Date());
      expect(await repository.latestResult(id)).toMatchObject({
        id: result.id,
        exportRequestId: id,
        outcome: result.outcome,
        fileName: result.fileName,
        sizeBytes: result.sizeBytes,
        sha256: result.sha256,
        itemsCount: result.itemsCount,
        expiresAt: result.expiresAt.toISOString(),
      });
    });

    it('lets exactly one of two racing finishes win', async () => {
      const id = await insertRequest(ExportStatus.Running);
      const outcomes = await Promise.all([repository.complete(id, newResult(), new Date()), repository.complete(id, newResult(), new Date())]);
      expect(outcomes.sort()).toEqual([false, true]);
      expect((await stored(id)).results).toBe(1);
    });
  });

  describe('markCancelledByJob', () => {
    const jobOf = async (id: string) => (await pool.query(`SELECT job_id FROM exports.export_request WHERE id = $1`, [id])).rows[0].job_id;

    it('cancels a pending or running export', async () => {
      const id = await insertRequest(ExportStatus.Running);
      expect(await repository.markCancelledByJob(await jobOf(id), new Date())).toMatchObject({ id, status: 'cancelled' });
      expect(await repository.markCancelledByJob(await jobOf(id), new Date())).toBeNull(); // once
    });

    it('takes back an export that completed just before its job was cancelled: the job-queue deleted the file', async () => {
      const id = await insertRequest(ExportStatus.Running);
      await repository.complete(id, newResult(), new Date());
      expect(await repository.markCancelledByJob(await jobOf(id), new Date())).toMatchObject({ id, status: 'cancelled', outcome: null });
      const info = await repository.getVisible(admin, id);
      expect(info).toMatchObject({ status: 'cancelled', result: { expired: true } });

      // Retrying the job runs the export again; its new file replaces the taken-back result.
      expect(await repository.markRunning(id)).toBe(true);
      const again = newResult();
      expect(await repository.complete(id, again, new Date())).toBe(true);
      expect(await repository.getVisible(admin, id)).toMatchObject({ status: 'succeeded', result: { id: again.id, expired: false, downloadCount: 0 } });
      expect((await stored(id)).results).toBe(1);
    });

    it('leaves a failed export alone', async () => {
      const id = await insertRequest(ExportStatus.Failed);
      expect(await repository.markCancelledByJob(await jobOf(id), new Date())).toBeNull();
      expect((await stored(id)).status).toBe('failed');
    });
  });

  describe('result.expired', () => {
    it('is true past expiresAt before the purge ran, as download answers 410 then', async () => {
      const future = await insertRequest(ExportStatus.Running);
      await repository.complete(future, newResult(), new Date());
      const past = await insertRequest(ExportStatus.Running);
      await repository.complete(past, newResult(new Date(Date.now() - 60_000)), new Date());

      expect((await repository.getVisible(admin, future))?.result?.expired).toBe(false);
      const unpurged = await repository.getVisible(admin, past);
      expect(unpurged?.result).toMatchObject({ expired: true });
      expect((await pool.query(`SELECT expired_at FROM exports.export_result WHERE export_request_id = $1`, [past])).rows[0].expired_at).toBeNull();
      const listed = await repository.listVisible(admin, {}, { offset: 0, limit: 100 });
      expect(Object.fromEntries(listed.items.map((i) => [i.id, i.result?.expired]))).toMatchObject({ [future]: false, [past]: true });
    });

    it('is true once purged, whatever expiresAt says', async () => {
      const id = await insertRequest(ExportStatus.Running);
      await repository.complete(id, newResult(), new Date());
      await pool.query(`UPDATE exports.export_result SET expired_at = now() WHERE export_request_id = $1`, [id]);
      expect((await repository.getVisible(admin, id))?.result?.expired).toBe(true);
    });
  });
  describe('incrementDownloadCounts', () => {
    async function completed(expiresAt: Date): Promise<string> {
      const id = await insertRequest(ExportStatus.Running);
      const result = newResult(expiresAt);
      await repository.complete(id, result, new Date());
      return result.id;
    }
    const count = async (resultId: string) =>
      (await pool.query(`SELECT download_count FROM exports.export_result WHERE id = $1`, [resultId])).rows[0].download_count;

    it('counts a permitted, unexpired result', async () => {
      const resultId = await completed(new Date(Date.now() + 60_000));
      expect(await repository.incrementDownloadCounts(admin, [resultId], new Date())).toBe(1);
      expect(await count(resultId)).toBe(1);
    });

    it('counts nothing for a result past its expiry or already purged (a download answered 410 is not a download)', async () => {
      const past = await completed(new Date(Date.now() - 1_000));
      const purged = await completed(new Date(Date.now() + 60_000));
      await pool.query(`UPDATE exports.export_result SET expired_at = now() WHERE id = $1`, [purged]);
      expect(await repository.incrementDownloadCounts(admin, [past, purged], new Date())).toBe(0);
      expect([await count(past), await count(purged)]).toEqual([0, 0]);
    });
  });
  it("counts a list's totalRecords from the list index alone, permission test and filters included (ADR 087)", async () => {
    // 3,000 requests of a tenant of its own (global and local ones, two types, three statuses)
    // among 30,000 of other tenants, then a VACUUM (as autovacuum leaves them).
    const own = `t-${randomUUID()}`;
    const others = `others-${randomUUID()}`;
    await pool.query(
      `INSERT INTO exports.export_request (id, tenant, requested_by, type, scope, scope_ids, format, status, job_id, request_fingerprint)
       SELECT gen_random_uuid(), $1 || (g % 10), 'u', 'employees', 'global', '{}', 'csv', 'succeeded', gen_random_uuid(), 'fp'
       FROM generate_series(1, 30000) g`,
      [others],
    );
    await pool.query(
      `INSERT INTO exports.export_request (id, tenant, requested_by, type, scope, scope_ids, format, status, job_id, request_fingerprint)
       SELECT gen_random_uuid(), $1, 'ada', CASE WHEN g % 2 = 0 THEN 'employees' ELSE 'orders' END,
              CASE WHEN g % 3 = 0 THEN 'local' ELSE 'global' END, CASE WHEN g % 3 = 0 THEN ARRAY['s-' || (g % 2)] ELSE '{}' END,
              'csv', CASE WHEN g % 5 = 0 THEN 'failed' WHEN g % 5 = 1 THEN 'pending' ELSE 'succeeded' END, gen_random_uuid(), 'fp'
       FROM generate_series(1, 3000) g`,
      [own],
    );
    await pool.query('VACUUM ANALYZE exports.export_request');
    const lists: Array<[string, Principal, { type?: string; status?: ExportStatus }, number]> = [
      ['every request (admin)', new Principal('ada', own, ['admin']), {}, 2000],
      ['by type', new Principal('ada', own, ['admin']), { type: 'orders' }, 1000],
      ['by status', new Principal('ada', own, ['admin']), { status: ExportStatus.Failed }, 400],
      ['pending (not scheduled)', new Principal('ada', own, ['admin']), { status: ExportStatus.Pending }, 400],
      ['a user with one scope', new Principal('bob', own, [], ['s-1']), {}, 500],
    ];
    try {
      for (const [what, who, filters, total] of lists) {
        let page: { totalRecords: number } | undefined;
        const list = async () => (page = await repository.listVisible(who, filters, { offset: 0, limit: 20, order: 'newest' }));
        const counts = await statementsSent(pool, (text) => text.startsWith('SELECT count(*)'), list);
        expect({ what, total: page?.totalRecords }).toEqual({ what, total });
        expect(counts).toHaveLength(1);
        const scans = (await explainScans(pool, counts[0].text, counts[0].values, 'export_request')).map(({ type, heapFetches }) => ({ type, heapFetches }));
        expect({ what, scans }).toEqual({ what, scans: [{ type: 'Index Only Scan', heapFetches: 0 }] });
      }
    } finally {
      await pool.query(`DELETE FROM exports.export_request WHERE tenant = $1 OR tenant LIKE $2`, [own, `${others}%`]);
    }
  });
});

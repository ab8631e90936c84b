import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL, Transaction, withPgTransaction } from '@porter/platform';
import { isUuid, sqlDirection } from '@porter/shared-kernel';
import type { Page, PageRequest, Principal } from '@porter/shared-kernel';
import type { ExpiredResult, ExportRecord, ExportRepository, ExportResultRecord, NewExportRecord, NewExportResult } from '../../application/ports/export-repository.port';
import type { ExportInfo } from '../../public/entities/export-info';
import { ExportStatus } from '../../public/enums/export-status';
import { recordToInfo, toInfo, toRecord, toResultRecord } from './export-rows';


/**
 * The permission rule of domain/export-access.ts, in SQL: same tenant, not deleted, and global →
 * the caller is an admin; local → the caller holds every scope of the export. `$1` tenant,
 * `$2` is-admin, `$3` the caller's scopes.
 */
const VISIBLE = (alias: string) => `${alias}.tenant = $1 AND ((${alias}.scope = 'global' AND $2::boolean)
  OR (${alias}.scope = 'local' AND cardinality(${alias}.scope_ids) > 0 AND ${alias}.scope_ids <@ $3::text[]))`;

const permissionParams = (principal: Principal): unknown[] => [principal.tenant, principal.isAdmin, [...principal.scopes]];

// `expired` is what download answers: past its expiry date (410) even before the purge ran, or purged.
const INFO_COLUMNS = `r.*, x.id AS result_id, x.file_name, x.size_bytes, x.sha256, x.expires_at, x.expired_at,
  (x.expired_at IS NOT NULL OR x.expires_at <= now()) AS result_expired,
  (r.status = 'pending' AND r.scheduled_for > now()) AS not_due,
  x.download_count, x.first_downloaded_at, x.last_downloaded_at`;

// Requests travel as one JSON array (MikroORM inlines parameters into the statement text, and a JS
// array would not become a Postgres array there): one statement writes a whole group commit
// (ADR 073). Text arrays: null stays null, [] stays an empty array, order is kept.
const TEXT_ARRAY = (field: string) => `CASE WHEN i.${field} IS NULL OR i.${field} = 'null'::jsonb THEN NULL
    ELSE ARRAY(SELECT e FROM jsonb_array_elements_text(i.${field}) WITH ORDINALITY AS t(e, n) ORDER BY n) END`;

const INSERT_REQUESTS_SQL = `INSERT INTO exports.export_request
  (id, tenant, requested_by, requested_by_kind, type, scope, format, name, filters, scope_ids, columns, ids, compression,
   notify_email, job_id, idempotency_key, request_fingerprint, scheduled_for, schedule_id, status, created_at, updated_at)
  SELECT i.id, i.tenant, i.requested_by, i.requested_by_kind, i.type, i.scope, i.format, i.name, i.filters,
    ${TEXT_ARRAY('scope_ids')}, ${TEXT_ARRAY('columns')}, ${TEXT_ARRAY('ids')}, i.compression, i.notify_email, i.job_id,
    i.idempotency_key, i.request_fingerprint, i.scheduled_for, i.schedule_id, 'pending', i.created_at, i.created_at
  FROM jsonb_to_recordset(?::jsonb) AS i(
    id uuid, tenant text, requested_by text, requested_by_kind text, type text, scope text, format text, name text,
    filters jsonb, scope_ids jsonb, columns jsonb, ids jsonb, compression text, notify_email text, job_id uuid,
    idempotency_key text, request_fingerprint text, scheduled_for timestamptz, schedule_id uuid, created_at timestamptz, ord int)
  ORDER BY i.ord
`;

@Injectable()
export class PgExportRepository implements ExportRepository {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async insertRequests(records: NewExportRecord[], transaction: Transaction): Promise<ExportInfo[]> {
    if (!records.length) return [];
    const input = records.map((record, ord) => ({
      ord,
      id: record.id,
      tenant: record.tenant,
      requested_by: record.requestedBy,
      requested_by_kind: record.requestedByKind,
      type: record.type,
      scope: record.scope,
      format: record.format,
      name: record.name,
      filters: record.filters,
      scope_ids: record.scopeIds,
      columns: record.columns,
      ids: record.ids,
      compression: record.compression,
      notify_email: record.notifyEmail,
      job_id: record.jobId,
      idempotency_key: record.idempotencyKey,
      request_fingerprint: record.requestFingerprint,
      scheduled_for: record.scheduledFor?.toISOString() ?? null,
      schedule_id: record.scheduleId,
      created_at: record.createdAt.toISOString(),
    }));
    await transaction.execute(INSERT_REQUESTS_SQL, [JSON.stringify(input)]);
    // The requests answer with what was written, not with a read after commit.
    const now = Date.now();
    return records.map((record) =>
      recordToInfo(
        {
          ...record,
          status: ExportStatus.Pending,
          outcome: null,
          itemsCount: null,
          errorMessage: null,
          processedAt: null,
          deletedAt: null,
          updatedAt: record.createdAt,
        },
        record.scheduledFor !== null && record.scheduledFor.getTime() > now,
        null,
      ),
    );
  }

  async rescheduleByJob(jobId: string, scheduledFor: Date | null): Promise<void> {
    await this.pool.query(
      `UPDATE exports.export_request SET scheduled_for = $2, updated_at = now() WHERE job_id = $1 AND status = 'pending'`,
      [jobId, scheduledFor],
    );
  }

  async findByIdempotencyKey(tenant: string, requestedBy: string, key: string): Promise<ExportRecord | null> {
    const { rows } = await this.pool.query(
      `SELECT * FROM exports.export_request WHERE tenant = $1 AND requested_by = $2 AND idempotency_key = $3`,
      [tenant, requestedBy, key],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findById(id: string): Promise<ExportRecord | null> {
    const { rows } = await this.pool.query(`SELECT * FROM exports.export_request WHERE id = $1`, [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findByJobId(jobId: string): Promise<ExportRecord | null> {
    if (!isUuid(jobId)) return null;
    const { rows } = await this.pool.query(`SELECT * FROM exports.export_request WHERE job_id = $1`, [jobId]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async getVisible(principal: Principal, id: string): Promise<ExportInfo | null> {
    const { rows } = await this.pool.query(
      `SELECT ${INFO_COLUMNS} FROM exports.export_request r LEFT JOIN exports.export_result x ON x.export_request_id = r.id
       WHERE ${VISIBLE('r')} AND r.deleted_at IS NULL AND r.id = $4`,
      [...permissionParams(principal), id],
    );
    return rows[0] ? toInfo(rows[0]) : null;
  }

  async listVisible(principal: Principal, filters: { type?: string; status?: ExportStatus }, page: PageRequest): Promise<Page<ExportInfo>> {
    const params = permissionParams(principal);
    let where = `${VISIBLE('r')} AND r.deleted_at IS NULL`;
    if (filters.type) {
      params.push(filters.type);
      where += ` AND r.type = $${params.length}`;
    }
    if (filters.status === ExportStatus.Scheduled) {
      where += ` AND r.status = 'pending' AND r.scheduled_for > now()`;
    } else if (filters.status === ExportStatus.Pending) {
      where += ` AND r.status = 'pending' AND (r.scheduled_for IS NULL OR r.scheduled_for <= now())`;
    } else if (filters.status) {
      params.push(filters.status);
      where += ` AND r.status = $${params.length}`;
    }
    const [items, total] = await Promise.all([
      this.pool.query(
        `SELECT ${INFO_COLUMNS} FROM exports.export_request r LEFT JOIN exports.export_result x ON x.export_request_id = r.id
         WHERE ${where} ORDER BY r.created_at ${sqlDirection(page.order)}, r.id ${sqlDirection(page.order)} OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
        [...params, page.offset, page.limit],
      ),
      this.pool.query(`SELECT count(*)::int AS n FROM exports.export_request r WHERE ${where}`, params),
    ]);
    return { items: items.rows.map(toInfo), totalRecords: total.rows[0].n };
  }

  async markRunning(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE exports.export_request SET status = 'running', attempts = attempts + 1, outcome = NULL, processed_at = NULL, updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL AND status <> 'succeeded'`,
      [id],
    );
    return rowCount === 1;
  }

  async markRetrying(id: string, errorMessage: string): Promise<void> {
    await this.pool.query(
      `UPDATE exports.export_request SET status = 'pending', error_message = $2, updated_at = now() WHERE id = $1 AND status = 'running'`,
      [id, errorMessage],
    );
  }

  async complete(id: string, result: NewExportResult, processedAt: Date): Promise<boolean> {
    return withPgTransaction(this.pool, async (client) => {
      // Guarded: only a running, undeleted export completes. (A result row already exists when a
      // job cancelled after its export completed is retried: the new file replaces it, as a new
      // result with the id ExportCompleted announces.) A delete or cancel that got in first
      // wins; the finishing worker then discards its file instead of resurrecting the export.
      const { rows } = await client.query(
        `UPDATE exports.export_request SET status = 'succeeded', outcome = $2, items_count = $3, processed_at = $4,
           error_message = NULL, updated_at = now()
         WHERE id = $1 AND status = 'running' AND deleted_at IS NULL RETURNING *`,
        [id, result.outcome, result.itemsCount, processedAt],
      );
      if (!rows[0]) return false;
      const request = toRecord(rows[0]);
      await client.query(
        `INSERT INTO exports.export_result (id, export_request_id, tenant, type, scope, format, scope_ids, outcome, file_name,
           content_type, storage_key, size_bytes, sha256, items_count, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (export_request_id) DO UPDATE SET id = EXCLUDED.id, outcome = EXCLUDED.outcome, file_name = EXCLUDED.file_name,
           content_type = EXCLUDED.content_type, storage_key = EXCLUDED.storage_key, size_bytes = EXCLUDED.size_bytes,
           sha256 = EXCLUDED.sha256, items_count = EXCLUDED.items_count, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at,
           expired_at = NULL, download_count = 0, first_downloaded_at = NULL, last_downloaded_at = NULL`,
        [
          result.id, id, request.tenant, request.type, request.scope, request.format, request.scopeIds, result.outcome, result.fileName,
          result.contentType, result.storageKey, result.sizeBytes, result.sha256, result.itemsCount, processedAt, result.expiresAt,
        ],
      );
      return true;
    });
  }

  async markFailed(id: string, errorMessage: string, processedAt: Date): Promise<ExportRecord | null> {
    return this.terminal(`id = $1`, id, `status = 'failed', outcome = 'failed', error_message = $2, processed_at = $3`, [errorMessage, processedAt]);
  }

  async markFailedByJob(jobId: string, errorMessage: string, processedAt: Date): Promise<ExportRecord | null> {
    return this.terminal(`job_id = $1`, jobId, `status = 'failed', outcome = 'failed', error_message = $2, processed_at = $3`, [errorMessage, processedAt]);
  }

  async markCancelled(id: string, processedAt: Date): Promise<ExportRecord | null> {
    return this.terminal(`id = $1`, id, `status = 'cancelled', processed_at = $2`, [processedAt]);
  }

  async markCancelledByJob(jobId: string, processedAt: Date): Promise<ExportRecord | null> {
    return withPgTransaction(this.pool, async (client) => {
      // `succeeded` too: a cancel that reached the job after the export completed (between the
      // worker's last signal check and the end of its run) still ends the job cancelled, and the
      // job-queue deletes a cancelled job's files. The export must not keep offering that file.
      const { rows } = await client.query(
        `UPDATE exports.export_request SET status = 'cancelled', outcome = NULL, processed_at = $2, updated_at = now()
         WHERE job_id = $1 AND status IN ('pending', 'running', 'succeeded') RETURNING *`,
        [jobId, processedAt],
      );
      if (!rows[0]) return null;
      await client.query(`UPDATE exports.export_result SET expired_at = coalesce(expired_at, $2) WHERE export_request_id = $1`, [rows[0].id, processedAt]);
      return toRecord(rows[0]);
    });
  }

  async expireResultsByJob(jobId: string, at: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `UPDATE exports.export_result SET expired_at = coalesce(expired_at, $2)
       WHERE export_request_id IN (SELECT id FROM exports.export_request WHERE job_id = $1)`,
      [jobId, at],
    );
    return rowCount ?? 0;
  }

  /** A guarded transition to a terminal state: only a non-terminal row changes, once. */
  private async terminal(match: string, key: string, set: string, params: unknown[]): Promise<ExportRecord | null> {
    const { rows } = await this.pool.query(
      `UPDATE exports.export_request SET ${set}, updated_at = now()
       WHERE ${match} AND status IN ('pending', 'running') RETURNING *`,
      [key, ...params],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async softDelete(id: string, at: Date): Promise<{ deleted: boolean; storageKey: string | null }> {
    return withPgTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(`UPDATE exports.export_request SET deleted_at = $2, updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, [id, at]);
      // Two deletes racing: the row lock makes the second wait, then match nothing.
      if (!rowCount) return { deleted: false, storageKey: null };
      const { rows } = await client.query(
        `UPDATE exports.export_result SET expired_at = coalesce(expired_at, $2) WHERE export_request_id = $1 RETURNING storage_key`,
        [id, at],
      );
      return { deleted: true, storageKey: rows[0]?.storage_key ?? null };
    });
  }

  async resultsForDownload(principal: Principal, resultIds: readonly string[]): Promise<ExportResultRecord[]> {
    if (!resultIds.length) return [];
    const { rows } = await this.pool.query(
      `SELECT x.*, r.deleted_at FROM exports.export_result x JOIN exports.export_request r ON r.id = x.export_request_id
       WHERE ${VISIBLE('x')} AND r.deleted_at IS NULL AND x.id = ANY($4::uuid[])`,
      [...permissionParams(principal), [...resultIds]],
    );
    return rows.map(toResultRecord);
  }

  async latestResult(exportId: string): Promise<ExportResultRecord | null> {
    const { rows } = await this.pool.query(
      `SELECT x.* FROM exports.export_result x WHERE x.export_request_id = $1 ORDER BY x.created_at DESC, x.id DESC LIMIT 1`,
      [exportId],
    );
    return rows[0] ? toResultRecord(rows[0]) : null;
  }

  async incrementDownloadCounts(principal: Principal, resultIds: readonly string[], at: Date): Promise<number> {
    if (!resultIds.length) return 0;
    // One statement: the permission filter, the counter and both timestamps change atomically, so
    // concurrent downloads never lose a count and first_downloaded_at is set exactly once. An
    // expired (or purged) result is not counted: the retention purge locks the row while it marks
    // it, so a download racing the purge waits for it and then counts nothing.
    const { rowCount } = await this.pool.query(
      `UPDATE exports.export_result x SET download_count = x.download_count + 1,
         first_downloaded_at = coalesce(x.first_downloaded_at, $5), last_downloaded_at = $5
       FROM exports.export_request r
       WHERE r.id = x.export_request_id AND r.deleted_at IS NULL AND ${VISIBLE('x')} AND x.id = ANY($4::uuid[])
         AND x.expired_at IS NULL AND x.expires_at > $5`,
      [...permissionParams(principal), [...resultIds], at],
    );
    return rowCount ?? 0;
  }

  async purgeExpired(now: Date, limit: number, deleteFile: (result: ExpiredResult) => Promise<void>): Promise<number> {
    return withPgTransaction(this.pool, async (client) => {
      // SKIP LOCKED: several workers may purge at once without waiting on or repeating each other.
      const { rows } = await client.query(
        `SELECT r.id, r.storage_key, q.job_id FROM exports.export_result r JOIN exports.export_request q ON q.id = r.export_request_id
          WHERE r.expired_at IS NULL AND r.expires_at <= $1
          ORDER BY r.expires_at LIMIT $2 FOR UPDATE OF r SKIP LOCKED`,
        [now, limit],
      );
      for (const row of rows) await deleteFile({ id: row.id, storageKey: row.storage_key, jobId: row.job_id });
      if (rows.length) {
        await client.query(`UPDATE exports.export_result SET expired_at = $2 WHERE id = ANY($1::uuid[])`, [rows.map((r) => r.id), now]);
      }
      return rows.length;
    });
  }
}

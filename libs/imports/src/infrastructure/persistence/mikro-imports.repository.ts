import type { SortOrder } from '@porter/shared-kernel';
import { Injectable } from '@nestjs/common';
import { EntityManager, LockMode } from '@mikro-orm/postgresql';
import { Transaction, TransactionRunner } from '@porter/platform';
import type {
  ImportBatchRow,
  ImportRecordRow,
  ImportsRepository,
  NewImportBatch,
  NewImportRecord,
  RecordScope,
} from '../../application/ports/imports-repository.port';
import type { ImportFormat } from '../../public/enums/import-format';
import { ImportBatchEntity } from './import-batch.entity';
import { ImportRecordEntity } from './import-record.entity';

/**
 * Records and batches through MikroORM. Every method uses the injected EntityManager, which
 * resolves to the current transaction inside `inTransaction` (MikroORM's TransactionContext);
 * the job submitted in the same callback is written in that transaction, handed to it.
 */
@Injectable()
export class MikroImportsRepository implements ImportsRepository {
  constructor(
    private readonly globalEm: EntityManager,
    private readonly transactions: TransactionRunner,
  ) {}

  /**
   * The current transaction's or HTTP request's EntityManager; outside both (a command sent by
   * another module from a worker, a test, a CLI) a fresh fork, since the global one must not be
   * used for context-specific work.
   */
  private get em(): EntityManager {
    const context = this.globalEm.getContext(false);
    return context === this.globalEm ? this.globalEm.fork() : context;
  }

  async inTransaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
    return this.transactions.run(work);
  }

  async insertRecord(record: NewImportRecord): Promise<ImportRecordRow> {
    const entity = this.em.create(ImportRecordEntity, { ...record });
    await this.em.persistAndFlush(entity);
    return toRecord(entity);
  }

  async findRecord(scope: RecordScope, id: string, lock = false): Promise<ImportRecordRow | null> {
    if (!isUuid(id)) return null;
    const where = { id, tenant: scope.tenant, ...(scope.createdBy ? { createdBy: scope.createdBy } : {}) };
    const entity = await this.em.findOne(ImportRecordEntity, where, {
      ...(lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {}),
      refresh: true,
    });
    return entity ? toRecord(entity) : null;
  }

  async listRecords(scope: RecordScope, filter: { type?: string; status?: string }, offset: number, limit: number, order?: SortOrder) {
    const where = {
      tenant: scope.tenant,
      ...(scope.createdBy ? { createdBy: scope.createdBy } : {}),
      ...(filter.type ? { type: filter.type } : {}),
      ...(filter.status ? { status: filter.status } : {}),
    };
    const direction = order === 'oldest' ? 'asc' : 'desc';
    const [items, total] = await this.em.findAndCount(ImportRecordEntity, where, { orderBy: { createdAt: direction, id: direction }, offset, limit });
    return { items: items.map(toRecord), total };
  }

  async deleteRecord(id: string): Promise<void> {
    await this.em.nativeDelete(ImportRecordEntity, { id });
  }

  async updateRecord(id: string, changes: Partial<Pick<ImportRecordRow, 'status' | 'finalizedAt' | 'completedAt'>>): Promise<void> {
    await this.em.nativeUpdate(ImportRecordEntity, { id }, { ...changes, updatedAt: new Date() });
    // The completing transaction, for ListCompletedImportRecordsQuery (same transaction as the status).
    if (changes.status === 'completed') await this.em.execute(`UPDATE imports.import_record SET completed_tx_id = pg_current_xact_id() WHERE id = ?`, [id]);
  }

  async insertBatch(batch: NewImportBatch): Promise<ImportBatchRow> {
    const entity = this.em.create(ImportBatchEntity, { ...batch });
    await this.em.persistAndFlush(entity);
    return toBatch(entity);
  }

  async setBatchJob(batchId: string, jobId: string): Promise<void> {
    await this.em.nativeUpdate(ImportBatchEntity, { id: batchId }, { jobId });
  }

  async findBatch(recordId: string, batchId: string): Promise<ImportBatchRow | null> {
    if (!isUuid(batchId)) return null;
    const entity = await this.em.findOne(ImportBatchEntity, { id: batchId, importRecordId: recordId }, { refresh: true });
    return entity ? toBatch(entity) : null;
  }

  async listBatches(recordIds: string[]): Promise<ImportBatchRow[]> {
    if (!recordIds.length) return [];
    const entities = await this.em.find(ImportBatchEntity, { importRecordId: { $in: recordIds } }, { orderBy: { createdAt: 'asc', id: 'asc' }, refresh: true });
    return entities.map(toBatch);
  }

  async findBatchBySha(recordId: string, sha256: string): Promise<ImportBatchRow | null> {
    const entity = await this.em.findOne(ImportBatchEntity, { importRecordId: recordId, sha256, forced: false });
    return entity ? toBatch(entity) : null;
  }

  async markFailedRowsRetrying(batchId: string): Promise<number> {
    const conn = this.em.getConnection();
    const ctx = this.em.getTransactionContext();
    const res = await conn.execute<{ affectedRows?: number; rows?: unknown[] }>(
      `UPDATE imports.import_result SET status = 'retrying' WHERE import_batch_id = ? AND status IN ('failed', 'partially_failed')`,
      [batchId],
      'run',
      ctx,
    );
    const n = Number((res as { affectedRows?: number }).affectedRows ?? 0);
    if (n > 0) {
      await conn.execute(
        `UPDATE imports.import_batch
            SET status = 'started', completed_at = NULL, aborted = false, error_details = NULL, count_pending = count_pending + ?,
                count_failed = 0, count_partially_failed = 0
          WHERE id = ?`,
        [n, batchId],
        'run',
        ctx,
      );
    }
    return n;
  }

  async restartBatch(batchId: string): Promise<void> {
    const conn = this.em.getConnection();
    const ctx = this.em.getTransactionContext();
    await conn.execute(`DELETE FROM imports.import_result WHERE import_batch_id = ?`, [batchId], 'run', ctx);
    await conn.execute(
      `UPDATE imports.import_batch
          SET status = 'started', completed_at = NULL, aborted = false, error_details = NULL, header = NULL, rows_in_file = NULL, last_row = 0,
              count_completed = 0, count_failed = 0, count_partially_failed = 0, count_pending = 0
        WHERE id = ?`,
      [batchId],
      'run',
      ctx,
    );
  }

  async reopenUnfinishedBatch(batchId: string): Promise<number> {
    const conn = this.em.getConnection();
    const ctx = this.em.getTransactionContext();
    // Past the checkpoint only an aborted batch's failed row has a result: the resumed file pass
    // writes that row again, with the rows after it.
    await conn.execute(
      `DELETE FROM imports.import_result r USING imports.import_batch b
        WHERE r.import_batch_id = ? AND b.id = r.import_batch_id AND r.row_number > b.last_row`,
      [batchId],
      'run',
      ctx,
    );
    await conn.execute(
      `UPDATE imports.import_result SET status = 'retrying' WHERE import_batch_id = ? AND status IN ('failed', 'partially_failed')`,
      [batchId],
      'run',
      ctx,
    );
    const rows = await conn.execute<Array<{ retrying: number }>>(
      `UPDATE imports.import_batch b
          SET status = 'started', completed_at = NULL, aborted = false, error_details = NULL,
              count_completed = t.completed, count_failed = 0, count_partially_failed = 0, count_pending = t.retrying
         FROM (SELECT count(*) FILTER (WHERE status = 'completed')::int AS completed,
                      count(*) FILTER (WHERE status = 'retrying')::int AS retrying
                 FROM imports.import_result WHERE import_batch_id = ?) t
        WHERE b.id = ?
        RETURNING t.retrying`,
      [batchId, batchId],
      'all',
      ctx,
    );
    return Number(rows[0]?.retrying ?? 0);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (s: string) => UUID.test(s);

function toRecord(e: ImportRecordEntity): ImportRecordRow {
  return {
    id: e.id,
    tenant: e.tenant,
    createdBy: e.createdBy,
    type: e.type,
    sourceName: e.sourceName,
    processorName: e.processorName,
    processorVersion: e.processorVersion,
    notes: e.notes,
    searchString: e.searchString,
    searchedAt: e.searchedAt,
    expectedReferenceCount: e.expectedReferenceCount,
    dryRun: e.dryRun,
    onError: e.onError,
    status: e.status,
    finalizedAt: e.finalizedAt,
    completedAt: e.completedAt,
    createdAt: e.createdAt,
  };
}

function toBatch(e: ImportBatchEntity): ImportBatchRow {
  return {
    id: e.id,
    importRecordId: e.importRecordId,
    tenant: e.tenant,
    jobId: e.jobId,
    fileName: e.fileName,
    format: e.format as ImportFormat,
    sheet: e.sheet,
    mapping: e.mapping,
    columnMapping: e.columnMapping,
    storageKey: e.storageKey,
    sizeBytes: Number(e.sizeBytes),
    sha256: e.sha256,
    forced: e.forced,
    status: e.status,
    header: e.header,
    rowsInFile: e.rowsInFile,
    lastRow: e.lastRow,
    countCompleted: e.countCompleted,
    countFailed: e.countFailed,
    countPartiallyFailed: e.countPartiallyFailed,
    countPending: e.countPending,
    errorDetails: e.errorDetails,
    aborted: e.aborted,
    endedByJob: e.status === 'failed' && e.runToken === null,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    completedAt: e.completedAt,
  };
}

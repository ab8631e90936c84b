import type { Principal } from '@porter/shared-kernel';
import type { ImportBatchInfo } from '../public/entities/import-batch-info';
import type { ImportRecordInfo } from '../public/entities/import-record-info';
import type { ImportBatchStatus } from '../public/enums/import-batch-status';
import type { ImportRecordStatus } from '../public/enums/import-record-status';
import type { ImportBatchRow, ImportRecordRow, RecordScope } from './ports/imports-repository.port';

/** What a caller may see: the tenant's records for an admin, its own for anyone else. */
export function scopeOf(principal: Principal): RecordScope {
  return { tenant: principal.tenant, createdBy: principal.isAdmin ? null : principal.userId };
}

function toBatchInfo(b: ImportBatchRow): ImportBatchInfo {
  return {
    id: b.id,
    importRecordId: b.importRecordId,
    jobId: b.jobId,
    fileName: b.fileName,
    format: b.format,
    sizeBytes: Number(b.sizeBytes),
    sha256: b.sha256,
    status: b.status as ImportBatchStatus,
    counts: {
      total: b.countCompleted + b.countFailed + b.countPartiallyFailed + b.countPending,
      completed: b.countCompleted,
      failed: b.countFailed,
      partiallyFailed: b.countPartiallyFailed,
      // The only results not terminal are the rows a retry has not rewritten yet (ADR 089).
      retrying: b.countPending,
    },
    rowsInFile: b.rowsInFile,
    lastCommittedRow: b.lastRow,
    mapping: b.mapping,
    columnMapping: b.columnMapping,
    dryRun: false,
    onError: 'continue',
    errorDetails: b.errorDetails,
    createdAt: b.createdAt.toISOString(),
    startedAt: b.startedAt?.toISOString() ?? null,
    completedAt: b.completedAt?.toISOString() ?? null,
  };
}

export function toRecordInfo(r: ImportRecordRow, batches: ImportBatchRow[]): ImportRecordInfo {
  return {
    id: r.id,
    type: r.type,
    sourceName: r.sourceName,
    processorName: r.processorName,
    processorVersion: r.processorVersion,
    notes: r.notes,
    searchString: r.searchString,
    searchedAt: r.searchedAt?.toISOString() ?? null,
    expectedReferenceCount: r.expectedReferenceCount,
    status: r.status as ImportRecordStatus,
    options: { dryRun: r.dryRun, onError: r.onError },
    createdBy: r.createdBy,
    createdAt: r.createdAt.toISOString(),
    finalizedAt: r.finalizedAt?.toISOString() ?? null,
    completedAt: r.completedAt?.toISOString() ?? null,
    batches: batches.map((b) => ({ ...toBatchInfo(b), dryRun: r.dryRun, onError: r.onError })),
  };
}

export function batchInfoOf(record: ImportRecordRow, batch: ImportBatchRow): ImportBatchInfo {
  return { ...toBatchInfo(batch), dryRun: record.dryRun, onError: record.onError };
}

import type { ExportRecord, ExportResultRecord } from '../../application/ports/export-repository.port';
import type { ExportInfo } from '../../public/entities/export-info';
import { ExportOutcome, ExportStatus } from '../../public/enums/export-status';
import type { FileFormat } from '../../public/enums/file-format';

/** Rows of exports.export_request (joined with export_result) as the module's records and read models. */
type Row = Record<string, unknown>;

const iso = (value: unknown): string | null => (value ? (value as Date).toISOString() : null);

export function toRecord(row: Row): ExportRecord {
  return {
    id: row.id as string,
    tenant: row.tenant as string,
    requestedBy: row.requested_by as string,
    requestedByKind: row.requested_by_kind === 'app' ? 'app' : 'user',
    type: row.type as string,
    scope: row.scope as ExportRecord['scope'],
    format: row.format as FileFormat,
    name: (row.name as string | null) ?? null,
    filters: (row.filters as Record<string, unknown>) ?? {},
    scopeIds: (row.scope_ids as string[]) ?? [],
    columns: (row.columns as string[] | null) ?? null,
    ids: (row.ids as string[] | null) ?? null,
    compression: row.compression === 'gzip' ? 'gzip' : 'none',
    notifyEmail: (row.notify_email as string | null) ?? null,
    status: row.status as ExportStatus,
    outcome: (row.outcome as ExportOutcome | null) ?? null,
    jobId: row.job_id as string,
    itemsCount: (row.items_count as number | null) ?? null,
    errorMessage: (row.error_message as string | null) ?? null,
    idempotencyKey: (row.idempotency_key as string | null) ?? null,
    requestFingerprint: row.request_fingerprint as string,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
    scheduledFor: (row.scheduled_for as Date | null) ?? null,
    scheduleId: (row.schedule_id as string | null) ?? null,
    processedAt: (row.processed_at as Date | null) ?? null,
    deletedAt: (row.deleted_at as Date | null) ?? null,
  };
}

export function toInfo(row: Row): ExportInfo {
  return recordToInfo(toRecord(row), row.not_due === true, row.result_id ? resultSummary(row) : null);
}

/** A request as its requester sees it: `notDue` (pending, due later) shows as scheduled. */
export function recordToInfo(record: ExportRecord, notDue: boolean, result: ExportInfo['result']): ExportInfo {
  return {
    id: record.id,
    jobId: record.jobId,
    type: record.type,
    scope: record.scope,
    format: record.format,
    name: record.name,
    filters: record.filters,
    scopeIds: record.scopeIds,
    columns: record.columns,
    idsCount: record.ids?.length ?? null,
    compression: record.compression,
    status: notDue ? ExportStatus.Scheduled : record.status,
    outcome: record.outcome,
    itemsCount: record.itemsCount,
    requestedBy: record.requestedBy,
    submitterKind: record.requestedByKind,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    scheduledFor: iso(record.scheduledFor),
    scheduleId: record.scheduleId,
    processedAt: iso(record.processedAt),
    errorMessage: record.errorMessage,
    result,
  };
}

function resultSummary(row: Row): NonNullable<ExportInfo['result']> {
  return {
    id: row.result_id as string,
    fileName: row.file_name as string,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256 as string,
    expiresAt: iso(row.expires_at) as string,
    expired: row.result_expired === true,
    downloadCount: row.download_count as number,
    firstDownloadedAt: iso(row.first_downloaded_at),
    lastDownloadedAt: iso(row.last_downloaded_at),
  };
}

export function toResultRecord(row: Row): ExportResultRecord {
  return {
    id: row.id as string,
    exportRequestId: row.export_request_id as string,
    exportType: row.type as string,
    scope: row.scope as ExportResultRecord['scope'],
    fileFormat: row.format as FileFormat,
    outcome: row.outcome as ExportOutcome,
    fileName: row.file_name as string,
    contentType: row.content_type as string,
    storageKey: row.storage_key as string,
    sizeBytes: Number(row.size_bytes),
    sha256: row.sha256 as string,
    itemsCount: row.items_count as number,
    tenant: row.tenant as string,
    scopeIds: (row.scope_ids as string[]) ?? [],
    createdAt: iso(row.created_at) as string,
    expiresAt: iso(row.expires_at) as string,
    expiredAt: iso(row.expired_at),
    downloadCount: row.download_count as number,
    firstDownloadedAt: iso(row.first_downloaded_at),
    lastDownloadedAt: iso(row.last_downloaded_at),
  };
}

import type { Transaction } from '@porter/platform';
import type { ExportCompression } from '../../public/entities/export-request-data';
import type { Page, PageRequest, Principal } from '@porter/shared-kernel';
import type { ExportInfo } from '../../public/entities/export-info';
import type { ExportOutcome, ExportStatus } from '../../public/enums/export-status';
import type { ExportScope } from '../../public/dependencies/export-data-source.dependency';
import type { FileFormat } from '../../public/enums/file-format';

/**
 * An export request as the worker and the command handlers need it (no permission filter). Its
 * `columns`: the chosen column keys in file order; null = every declared column.
 */
export interface ExportRecord extends Pick<ExportInfo, 'id' | 'type' | 'scope' | 'format' | 'name' | 'filters' | 'scopeIds' | 'columns'> {
  tenant: string;
  requestedBy: string;
  requestedByKind: 'user' | 'app';
  /** Explicit record keys; null = no id restriction. */
  ids: string[] | null;
  compression: ExportCompression;
  /** The requester's address when they asked to be mailed the link (`notify.email`). */
  notifyEmail: string | null;
  status: ExportStatus;
  outcome: ExportOutcome | null;
  jobId: string;
  itemsCount: number | null;
  errorMessage: string | null;
  idempotencyKey: string | null;
  requestFingerprint: string;
  createdAt: Date;
  updatedAt: Date;
  /** When the job is due; null for an immediate export. */
  scheduledFor: Date | null;
  /** The recurring schedule that requested it; null when asked for directly. */
  scheduleId: string | null;
  processedAt: Date | null;
  deletedAt: Date | null;
}

export type NewExportRecord = Omit<ExportRecord, 'status' | 'outcome' | 'itemsCount' | 'errorMessage' | 'processedAt' | 'deletedAt' | 'createdAt' | 'updatedAt'> & {
  createdAt: Date;
};

export interface NewExportResult {
  id: string;
  outcome: ExportOutcome.Success | ExportOutcome.Empty;
  fileName: string;
  contentType: string;
  storageKey: string;
  sizeBytes: number;
  sha256: string;
  itemsCount: number;
  expiresAt: Date;
}

/**
 * A generated export file, as download needs it (returned only for results the caller may see).
 * `storageKey`: where the file is in FileStorage (a job output file's key).
 */
export interface ExportResultRecord extends Pick<NewExportResult, 'id' | 'fileName' | 'contentType' | 'storageKey' | 'sizeBytes' | 'sha256' | 'itemsCount'> {
  exportRequestId: string;
  exportType: string;
  scope: ExportScope;
  fileFormat: FileFormat;
  outcome: ExportOutcome;
  tenant: string;
  scopeIds: string[];
  createdAt: string;
  expiresAt: string;
  /** Set when retention purge deleted the file (the record is kept for audit). */
  expiredAt: string | null;
  downloadCount: number;
  firstDownloadedAt: string | null;
  lastDownloadedAt: string | null;
}

export interface ExpiredResult {
  id: string;
  storageKey: string;
  /** The export's job: the file is one of its output files. */
  jobId: string;
}

/**
 * Persistence of export requests and results. Every read taking a principal filters by tenant and
 * permission in SQL (global: admins; local: callers holding every scope), so an export the caller
 * may not see is indistinguishable from a missing one.
 */
export interface ExportRepository {
  /** The job of a pending export got a new due time (null = now). */
  rescheduleByJob(jobId: string, scheduledFor: Date | null): Promise<void>;
  /**
   * Writes the requests in `transaction` (the one their jobs are submitted in), one statement for
   * all, and returns them as their requesters see them, in order.
   */
  insertRequests(records: NewExportRecord[], transaction: Transaction): Promise<ExportInfo[]>;
  findByIdempotencyKey(tenant: string, requestedBy: string, key: string): Promise<ExportRecord | null>;
  findById(id: string): Promise<ExportRecord | null>;
  /** The request an `export` job runs (deleted ones too). */
  findByJobId(jobId: string): Promise<ExportRecord | null>;
  getVisible(principal: Principal, id: string): Promise<ExportInfo | null>;
  listVisible(principal: Principal, filters: { type?: string; status?: ExportStatus }, page: PageRequest): Promise<Page<ExportInfo>>;
  /** → running (again on a retry, also after failed/cancelled when the job is retried); false when succeeded or deleted. */
  markRunning(id: string): Promise<boolean>;
  /** A failed attempt that will be retried: back to pending, with the error kept for display. */
  markRetrying(id: string, errorMessage: string): Promise<void>;
  /**
   * Stores the result and completes the request in one transaction, only if the request is still
   * running and not deleted; false (nothing written) when a cancel or delete got there first.
   */
  complete(id: string, result: NewExportResult, processedAt: Date): Promise<boolean>;
  /** Returns the record when this call made the transition (so only one caller publishes the event). */
  markFailed(id: string, errorMessage: string, processedAt: Date): Promise<ExportRecord | null>;
  markFailedByJob(jobId: string, errorMessage: string, processedAt: Date): Promise<ExportRecord | null>;
  markCancelled(id: string, processedAt: Date): Promise<ExportRecord | null>;
  /**
   * The export's job ended cancelled. Also turns a `succeeded` export to cancelled (its result
   * marked expired): the job-queue deletes a cancelled job's files, so a cancel that landed just
   * after the export completed leaves no file to offer.
   */
  markCancelledByJob(jobId: string, processedAt: Date): Promise<ExportRecord | null>;
  /** Hides the request and marks its result expired; returns the file's key to delete. `deleted` is false when another call deleted it first. */
  softDelete(id: string, at: Date): Promise<{ deleted: boolean; storageKey: string | null }>;
  /** The job's files were deleted with the job (jobs API): its export's result is expired (410), the record kept. */
  expireResultsByJob(jobId: string, at: Date): Promise<number>;
  resultsForDownload(principal: Principal, resultIds: readonly string[]): Promise<ExportResultRecord[]>;
  /** The newest result of an export, for its job's worker (no permission filter): null when it has none. */
  latestResult(exportId: string): Promise<ExportResultRecord | null>;
  incrementDownloadCounts(principal: Principal, resultIds: readonly string[], at: Date): Promise<number>;
  /** Expired results whose file is still stored, locked for this purge run (SKIP LOCKED). */
  purgeExpired(now: Date, limit: number, deleteFile: (result: ExpiredResult) => Promise<void>): Promise<number>;
}

export const EXPORT_REPOSITORY = Symbol('EXPORT_REPOSITORY');

import type { ExportOutcome, ExportStatus } from '../enums/export-status';
import type { ExportScope } from '../dependencies/export-data-source.dependency';
import type { FileFormat } from '../enums/file-format';

export interface ExportResultSummary {
  id: string;
  fileName: string;
  sizeBytes: number;
  sha256: string;
  expiresAt: string;
  /**
   * True once `expiresAt` has passed or the file was purged (or the export deleted): exactly when
   * download answers 410. The retention purge deletes the file some time after `expiresAt`.
   */
  expired: boolean;
  downloadCount: number;
  firstDownloadedAt: string | null;
  lastDownloadedAt: string | null;
}

/** An export request and its result: the REST read model (see API.md, Exports). */
export interface ExportInfo {
  id: string;
  jobId: string;
  type: string;
  scope: ExportScope;
  format: FileFormat;
  name: string | null;
  filters: Record<string, unknown>;
  scopeIds: string[];
  /** Chosen column keys in file order; null = every column of the type. */
  columns: string[] | null;
  /** How many explicit ids were requested; null = no id restriction (the ids are not echoed). */
  idsCount: number | null;
  compression: 'none' | 'gzip';
  status: ExportStatus;
  outcome: ExportOutcome | null;
  itemsCount: number | null;
  requestedBy: string;
  /** `app` when a service account requested it. */
  submitterKind: 'user' | 'app';
  createdAt: string;
  updatedAt: string;
  /** When its job is due; null for an immediate export. */
  scheduledFor: string | null;
  /** The recurring schedule that requested it (`/export-schedules/{id}`); null when asked for directly. */
  scheduleId: string | null;
  processedAt: string | null;
  errorMessage: string | null;
  result: ExportResultSummary | null;
}

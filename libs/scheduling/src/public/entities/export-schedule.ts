import type { ExportInfo, ExportScope, ExportStatus } from '@porter/exports';

/** A recurring export: what to export, when (cron in an IANA zone), and how its runs went. */
export interface ExportSchedule {
  id: string;
  name: string | null;
  type: string;
  format: string;
  filters: Record<string, unknown>;
  scopeIds: string[];
  columns: string[] | null;
  compression: 'none' | 'gzip';
  cron: string;
  timezone: string;
  enabled: boolean;
  /** The next tick; null while disabled (re-enabling continues from then, missing nothing it skipped). */
  nextRunAt: string | null;
  /** The tick of the latest run that requested an export. */
  lastRunAt: string | null;
  lastExportId: string | null;
  createdAt: string;
  updatedAt: string;
  /** The owner: runs request exports with the owner's stored roles and scopes (ADR 048). */
  createdBy: string;
  createdByKind: 'user' | 'app';
  /** Set when the owner was revoked (RevokeExportScheduleOwnerCommand): every run then fails with the reason. */
  ownerRevokedAt: string | null;
  ownerRevokedReason: string | null;
  /** The next five ticks (ISO, UTC) while enabled; given on one schedule (GET, POST, PATCH), not in lists. */
  nextRuns?: string[];
}

/** What a schedule is created from (POST /api/v1/export-schedules). */
export interface ExportScheduleData {
  type: string;
  format: string;
  filters?: Record<string, unknown> | null;
  scopeIds?: string[] | null;
  columns?: string[] | null;
  compression?: 'none' | 'gzip' | null;
  name?: string | null;
  cron: string;
  timezone: string;
  enabled?: boolean;
}

export interface ExportSchedulePatch {
  cron?: string;
  timezone?: string;
  enabled?: boolean;
  name?: string | null;
}

export type ExportScheduleRunStatus = 'claimed' | 'requested' | 'failed';

/** One tick of a schedule: claimed (export being requested), requested (export made) or failed (reason in `error`). */
export interface ExportScheduleRun {
  id: string;
  scheduleId: string;
  tickAt: string;
  /** `cron`: a tick of the schedule; `manual`: POST /export-schedules/{id}/run-now. */
  trigger: 'cron' | 'manual';
  status: ExportScheduleRunStatus;
  exportId: string | null;
  error: string | null;
  /** Earlier ticks this one stood for after an outage (they did not run; ADR 047). */
  missedTicks: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * An item of GET /export-schedules/{id}/runs: the ExportInfo of the export the run created, or, for
 * a run without one the caller can read, the same shape built from the run (id and jobId null;
 * status `failed` with the reason in errorMessage, `pending` while being requested, `unavailable`
 * when the export was deleted or its scopes hide it from the caller). `run` says which tick it was.
 */
export interface ExportScheduleRunExport extends Omit<ExportInfo, 'id' | 'jobId' | 'status' | 'scope'> {
  id: string | null;
  jobId: string | null;
  scope: ExportScope | null;
  status: ExportStatus | 'unavailable';
  run: ExportScheduleRun;
}

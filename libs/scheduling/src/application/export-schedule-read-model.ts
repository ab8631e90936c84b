import { ExportInfo, ExportOutcome, ExportStatus } from '@porter/exports';
import { CronSchedule } from '../domain/cron-schedule';
import type { ExportSchedule, ExportScheduleRun, ExportScheduleRunExport } from '../public/entities/export-schedule';
import type { ExportScheduleRecord, ScheduleRunRecord } from './ports/export-schedule.repository.port';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export const PREVIEW_RUNS = 5;

export function toExportSchedule(s: ExportScheduleRecord, preview?: { from: Date }): ExportSchedule {
  const schedule: ExportSchedule = {
    id: s.id,
    name: s.name,
    type: s.type,
    format: s.format,
    filters: s.filters,
    scopeIds: s.scopeIds,
    columns: s.columns,
    compression: s.compression,
    cron: s.cron,
    timezone: s.timezone,
    enabled: s.enabled,
    nextRunAt: iso(s.nextRunAt),
    lastRunAt: iso(s.lastRunAt),
    lastExportId: s.lastExportId,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    createdBy: s.ownerId,
    createdByKind: s.ownerKind,
    ownerRevokedAt: iso(s.ownerRevokedAt),
    ownerRevokedReason: s.ownerRevokedReason,
  };
  if (preview) {
    const cron = CronSchedule.parse(s.cron, s.timezone).schedule;
    schedule.nextRuns = s.enabled && cron ? cron.nextRuns(preview.from, PREVIEW_RUNS).map((d) => d.toISOString()) : [];
  }
  return schedule;
}

export function toRun(r: ScheduleRunRecord): ExportScheduleRun {
  return {
    id: r.id,
    scheduleId: r.scheduleId,
    tickAt: r.tickAt.toISOString(),
    trigger: r.trigger,
    status: r.status,
    exportId: r.exportId,
    error: r.error,
    missedTicks: r.missedTicks,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

/** A run as a runs-list item: its export's ExportInfo, or the same shape built from the run. */
export function toRunExport(r: ScheduleRunRecord, schedule: ExportScheduleRecord, info: ExportInfo | null): ExportScheduleRunExport {
  const run = toRun(r);
  if (info) return { ...info, run };
  const failed = r.status === 'failed';
  return {
    id: null,
    jobId: null,
    type: r.request.type,
    scope: null,
    format: r.request.format as ExportInfo['format'],
    name: r.request.name ?? null,
    filters: r.request.filters ?? {},
    scopeIds: r.request.scopeIds ?? [],
    columns: r.request.columns ?? null,
    idsCount: null,
    compression: r.request.compression ?? 'none',
    status: failed ? ExportStatus.Failed : r.status === 'claimed' ? ExportStatus.Pending : 'unavailable',
    outcome: failed ? ExportOutcome.Failed : null,
    itemsCount: null,
    requestedBy: schedule.ownerId,
    submitterKind: schedule.ownerKind,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
    scheduledFor: null,
    scheduleId: schedule.id,
    processedAt: failed ? run.updatedAt : null,
    errorMessage: failed ? r.error : r.status === 'requested' ? 'the export was deleted, or its scopes hide it from you' : r.error,
    result: null,
    run,
  };
}

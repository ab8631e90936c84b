import type { ExportRequestData } from '@porter/exports';
import type { Page, PageRequest, Principal, PrincipalData } from '@porter/shared-kernel';
import type { ExportSchedule, ExportScheduleRunStatus } from '../../public/entities/export-schedule';

export const EXPORT_SCHEDULE_REPOSITORY = Symbol('EXPORT_SCHEDULE_REPOSITORY');

/** What a schedule exports and when: stored as the public entity shows it. */
type ScheduleDefinition = Pick<
  ExportSchedule,
  'id' | 'name' | 'type' | 'format' | 'filters' | 'scopeIds' | 'columns' | 'compression' | 'cron' | 'timezone' | 'enabled'
>;

export interface ExportScheduleRecord extends ScheduleDefinition {
  tenant: string;
  ownerId: string;
  ownerKind: 'user' | 'app';
  ownerPrincipal: PrincipalData;
  ownerRevokedAt: Date | null;
  ownerRevokedReason: string | null;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastExportId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The export a run requests, frozen when the tick is claimed (a retry sends the same body). */
export type ScheduledExportRequest = Pick<ExportRequestData, 'type' | 'format' | 'filters' | 'scopeIds' | 'columns' | 'compression' | 'name'>;

export interface ScheduleRunRecord {
  id: string;
  scheduleId: string;
  tenant: string;
  tickAt: Date;
  trigger: 'cron' | 'manual';
  status: ExportScheduleRunStatus;
  request: ScheduledExportRequest;
  exportId: string | null;
  error: string | null;
  missedTicks: number;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What a due schedule's tick is: decided by the domain (CronSchedule.planTick) inside the claim. */
export interface TickPlan {
  tickAt: Date;
  missedTicks: number;
  nextRunAt: Date | null;
}

/** How settling a claimed run ended: `claimed` again means "retry on a later pass". */
export type RunOutcome = { status: 'requested'; exportId: string } | { status: 'failed'; error: string } | { status: 'claimed'; error: string };

export type ScheduleChanges = Partial<
  Pick<ExportScheduleRecord, 'name' | 'cron' | 'timezone' | 'enabled' | 'nextRunAt' | 'ownerPrincipal' | 'ownerKind' | 'updatedAt'>
>;

export interface ExportScheduleRepository {
  insert(record: ExportScheduleRecord): Promise<void>;
  /** Null for a schedule the principal may not manage (other tenant; a non-admin: another owner). */
  findVisible(principal: Principal, id: string): Promise<ExportScheduleRecord | null>;
  listVisible(principal: Principal, page: PageRequest): Promise<Page<ExportScheduleRecord>>;
  update(id: string, changes: ScheduleChanges): Promise<ExportScheduleRecord | null>;
  delete(id: string): Promise<boolean>;
  listRuns(scheduleId: string, page: PageRequest): Promise<Page<ScheduleRunRecord>>;
  findRun(runId: string): Promise<ScheduleRunRecord | null>;
  /**
   * In ONE transaction: locks up to `limit` enabled schedules due at `now` (FOR UPDATE SKIP LOCKED),
   * inserts each one's run for `plan(schedule).tickAt` (a unique (schedule, tick) row; a tick already
   * claimed is not claimed again) and moves its next_run_at. Returns the runs it claimed.
   */
  claimDue(now: Date, limit: number, plan: (schedule: ExportScheduleRecord) => TickPlan): Promise<ScheduleRunRecord[]>;
  /** A manual run at `tickAt`; null when that tick already has a run. */
  insertManualRun(schedule: ExportScheduleRecord, tickAt: Date): Promise<ScheduleRunRecord | null>;
  /**
   * Locks ONE claimed run (the given one, or the oldest nobody holds; SKIP LOCKED), lets `work`
   * request its export, and records the outcome — and on success the schedule's last run — in the
   * same transaction. A crash anywhere leaves the run claimed for the next pass. Null: nothing to do.
   * Without `runId`, a run already tried is taken only once `retry` allows (see RetryBackoff).
   */
  settleClaimedRun(
    runId: string | null,
    now: Date,
    work: (run: ScheduleRunRecord, schedule: ExportScheduleRecord) => Promise<RunOutcome>,
    retry?: RetryBackoff,
  ): Promise<ScheduleRunRecord | null>;
  revokeOwner(tenant: string, ownerId: string, reason: string, at: Date): Promise<number>;
}

/** How long a claimed run refused for a passing reason waits after try n before try n + 1: baseMs × 2^(n − 1), at most maxMs. */
export interface RetryBackoff {
  baseMs: number;
  maxMs: number;
}

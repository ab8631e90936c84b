import type { Principal } from '@porter/shared-kernel';

export interface ScheduleOwnership {
  tenant: string;
  ownerId: string;
}

/**
 * Like jobs: the owner sees and manages its schedules, a tenant admin every schedule of the
 * tenant, nobody another tenant's (a 404, as if it did not exist). The SQL of the repository
 * applies the same rule.
 */
export function mayManageSchedule(principal: Principal, schedule: ScheduleOwnership): boolean {
  return principal.tenant === schedule.tenant && (principal.isAdmin || principal.userId === schedule.ownerId);
}

/** The idempotency key of the export a run requests: the same for every retry of that run. */
export function runIdempotencyKey(scheduleId: string, tickAt: Date): string {
  return `export-schedule:${scheduleId}:${tickAt.toISOString()}`;
}

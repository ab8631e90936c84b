import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ExportSchedule, ExportSchedulePatch } from '../entities/export-schedule';

/**
 * Changes when a schedule runs, pauses or resumes it, renames it. A new cron or zone, or resuming,
 * plans the next tick from now. When the owner makes the change, the stored principal is refreshed
 * from the caller (its current roles and scopes are what later runs use). NotFound (404) for a
 * schedule the caller may not manage.
 */
export class UpdateExportScheduleCommand extends Command<ExportSchedule> {
  constructor(readonly principal: Principal, readonly scheduleId: string, readonly patch: ExportSchedulePatch) {
    super();
  }
}

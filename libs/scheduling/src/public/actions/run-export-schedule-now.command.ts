import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ExportScheduleRunExport } from '../entities/export-schedule';

/**
 * Runs a schedule once now (a `manual` run, even while it is paused), exactly like a tick: with the
 * owner's stored principal, recorded in its runs. The cron ticks are unchanged.
 */
export class RunExportScheduleNowCommand extends Command<ExportScheduleRunExport> {
  constructor(readonly principal: Principal, readonly scheduleId: string) {
    super();
  }
}

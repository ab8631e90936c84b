import { Command } from '@nestjs/cqrs';

export interface ScheduleTickerPass {
  /** Ticks this pass claimed (one per due schedule, whatever it missed). */
  claimed: number;
  /** Runs it settled (its own claims and any a crashed process left): requested or failed. */
  requested: number;
  failed: number;
}

/**
 * One pass of the schedule ticker as if the time were `now`: claim every tick due by then and
 * request its export (ADR 047). What each worker's ticker runs every SCHEDULE_TICK_INTERVAL_MS;
 * safe to run from any number of processes at once. Tests pass a controlled `now`.
 */
export class RunDueExportSchedulesCommand extends Command<ScheduleTickerPass> {
  constructor(readonly now: Date) {
    super();
  }
}

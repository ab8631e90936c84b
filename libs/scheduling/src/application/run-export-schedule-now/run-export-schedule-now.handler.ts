import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { CLOCK, Clock, ConflictError, NotFoundError } from '@porter/shared-kernel';
import { RunExportScheduleNowCommand } from '../../public/actions/run-export-schedule-now.command';
import type { ExportScheduleRunExport } from '../../public/entities/export-schedule';
import { toRunExport } from '../export-schedule-read-model';
import { readExport } from '../list-export-schedule-runs/list-export-schedule-runs.handler';
import { EXPORT_SCHEDULE_REPOSITORY, ExportScheduleRepository } from '../ports/export-schedule.repository.port';
import { ScheduleRunner } from '../run-due-schedules/schedule-runner.service';

@CommandHandler(RunExportScheduleNowCommand)
export class RunExportScheduleNowHandler implements ICommandHandler<RunExportScheduleNowCommand, ExportScheduleRunExport> {
  constructor(
    @Inject(EXPORT_SCHEDULE_REPOSITORY) private readonly schedules: ExportScheduleRepository,
    private readonly runner: ScheduleRunner,
    private readonly queryBus: QueryBus,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ principal, scheduleId }: RunExportScheduleNowCommand): Promise<ExportScheduleRunExport> {
    const schedule = await this.schedules.findVisible(principal, scheduleId);
    if (!schedule) throw new NotFoundError('Export schedule', scheduleId);
    const now = this.clock.now();
    // Claimed first, like a tick: if this process dies before the request, a ticker settles it.
    const claimed = await this.schedules.insertManualRun(schedule, now);
    if (!claimed) throw new ConflictError(`Export schedule ${scheduleId} already has a run at ${now.toISOString()}; try again`);
    // Null when a ticker took the run first: settle waited for that ticker, so the run is read
    // as the ticker left it (requested, with its export).
    const run = (await this.runner.settle(claimed.id, now)) ?? (await this.schedules.findRun(claimed.id)) ?? claimed;
    const info = run.exportId ? await readExport(this.queryBus, principal, run.exportId) : null;
    return toRunExport(run, schedule, info);
  }
}

import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { RunDueExportSchedulesCommand, ScheduleTickerPass } from '../../public/actions/run-due-export-schedules.command';
import { ScheduleRunner } from './schedule-runner.service';

@CommandHandler(RunDueExportSchedulesCommand)
export class RunDueExportSchedulesHandler implements ICommandHandler<RunDueExportSchedulesCommand, ScheduleTickerPass> {
  constructor(private readonly runner: ScheduleRunner) {}

  async execute({ now }: RunDueExportSchedulesCommand): Promise<ScheduleTickerPass> {
    const { claimed, settled } = await this.runner.pass(now);
    return { claimed, requested: settled.filter((r) => r.status === 'requested').length, failed: settled.filter((r) => r.status === 'failed').length };
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { NotFoundError } from '@porter/shared-kernel';
import { DeleteExportScheduleCommand } from '../../public/actions/delete-export-schedule.command';
import { EXPORT_SCHEDULE_REPOSITORY, ExportScheduleRepository } from '../ports/export-schedule.repository.port';

@CommandHandler(DeleteExportScheduleCommand)
export class DeleteExportScheduleHandler implements ICommandHandler<DeleteExportScheduleCommand, void> {
  constructor(@Inject(EXPORT_SCHEDULE_REPOSITORY) private readonly schedules: ExportScheduleRepository) {}

  async execute({ principal, scheduleId }: DeleteExportScheduleCommand): Promise<void> {
    const current = await this.schedules.findVisible(principal, scheduleId);
    if (!current || !(await this.schedules.delete(current.id))) throw new NotFoundError('Export schedule', scheduleId);
  }
}

import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { CLOCK, Clock } from '@porter/shared-kernel';
import { RevokeExportScheduleOwnerCommand } from '../../public/actions/revoke-export-schedule-owner.command';
import { EXPORT_SCHEDULE_REPOSITORY, ExportScheduleRepository } from '../ports/export-schedule.repository.port';

@CommandHandler(RevokeExportScheduleOwnerCommand)
export class RevokeExportScheduleOwnerHandler implements ICommandHandler<RevokeExportScheduleOwnerCommand, { schedules: number }> {
  private readonly logger = new Logger('ExportSchedules');

  constructor(
    @Inject(EXPORT_SCHEDULE_REPOSITORY) private readonly schedules: ExportScheduleRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ tenant, ownerId, reason }: RevokeExportScheduleOwnerCommand): Promise<{ schedules: number }> {
    const schedules = await this.schedules.revokeOwner(tenant, ownerId, reason.trim() || 'revoked', this.clock.now());
    this.logger.log(`owner ${ownerId} of tenant ${tenant} revoked (${reason}): ${schedules} schedule(s) will fail their runs`);
    return { schedules };
  }
}

import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { BadRequestError, CLOCK, Clock, FieldError, NotFoundError } from '@porter/shared-kernel';
import { CronSchedule } from '../../domain/cron-schedule';
import { UpdateExportScheduleCommand } from '../../public/actions/update-export-schedule.command';
import type { ExportSchedule } from '../../public/entities/export-schedule';
import { toExportSchedule } from '../export-schedule-read-model';
import { EXPORT_SCHEDULE_REPOSITORY, ExportScheduleRepository, ScheduleChanges } from '../ports/export-schedule.repository.port';
import { checkName } from '../schedule-fields';

@CommandHandler(UpdateExportScheduleCommand)
export class UpdateExportScheduleHandler implements ICommandHandler<UpdateExportScheduleCommand, ExportSchedule> {
  constructor(
    @Inject(EXPORT_SCHEDULE_REPOSITORY) private readonly schedules: ExportScheduleRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ principal, scheduleId, patch }: UpdateExportScheduleCommand): Promise<ExportSchedule> {
    const current = await this.schedules.findVisible(principal, scheduleId);
    if (!current) throw new NotFoundError('Export schedule', scheduleId);
    const now = this.clock.now();
    const errors: FieldError[] = [];
    const { schedule: cron, errors: cronErrors } = CronSchedule.parse(patch.cron ?? current.cron, patch.timezone ?? current.timezone, now);
    errors.push(...cronErrors);
    if (patch.enabled !== undefined && typeof patch.enabled !== 'boolean') errors.push({ path: 'enabled', message: 'must be true or false' });
    const changes: ScheduleChanges = { updatedAt: now };
    if (patch.name !== undefined) changes.name = checkName(patch.name, errors);
    if (errors.length || !cron) throw new BadRequestError('The export schedule change is invalid', errors);

    const enabled = patch.enabled ?? current.enabled;
    const replan = patch.cron !== undefined || patch.timezone !== undefined || (enabled && !current.enabled);
    changes.cron = cron.cron;
    changes.timezone = cron.timezone;
    changes.enabled = enabled;
    // Paused: no next tick. Resumed or re-timed: the first tick after now (nothing skipped is made up).
    if (!enabled) changes.nextRunAt = null;
    else if (replan) changes.nextRunAt = cron.nextRun(now);
    if (principal.userId === current.ownerId && principal.tenant === current.tenant) {
      // The owner's current roles and scopes replace the stored ones (ADR 048).
      changes.ownerPrincipal = principal.toJSON();
      changes.ownerKind = principal.kind;
    }
    const updated = await this.schedules.update(current.id, changes);
    if (!updated) throw new NotFoundError('Export schedule', scheduleId);
    return toExportSchedule(updated, { from: now });
  }
}

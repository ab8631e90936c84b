import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler, QueryBus } from '@nestjs/cqrs';
import { BadRequestError, CLOCK, Clock, newId } from '@porter/shared-kernel';
import { CronSchedule } from '../../domain/cron-schedule';
import { CreateExportScheduleCommand } from '../../public/actions/create-export-schedule.command';
import type { ExportSchedule } from '../../public/entities/export-schedule';
import { toExportSchedule } from '../export-schedule-read-model';
import { EXPORT_SCHEDULE_REPOSITORY, ExportScheduleRepository } from '../ports/export-schedule.repository.port';
import { checkName } from '../schedule-fields';
import { checkScheduledExport, mergeFieldErrors } from './check-scheduled-export';

@CommandHandler(CreateExportScheduleCommand)
export class CreateExportScheduleHandler implements ICommandHandler<CreateExportScheduleCommand, ExportSchedule> {
  constructor(
    private readonly queryBus: QueryBus,
    @Inject(EXPORT_SCHEDULE_REPOSITORY) private readonly schedules: ExportScheduleRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute({ principal, data, options }: CreateExportScheduleCommand): Promise<ExportSchedule> {
    const now = this.clock.now();
    const { schedule: cron, errors } = CronSchedule.parse(data.cron, data.timezone, now);
    const name = checkName(data.name, errors);
    const request = {
      type: data.type,
      format: data.format,
      filters: data.filters ?? {},
      scopeIds: data.scopeIds ?? [],
      columns: data.columns ?? null,
      compression: data.compression ?? 'none',
      name,
    };
    // The same checks (and permission) RequestExportCommand applies, asked of the exports module;
    // with the caller's own shape problems and the cron's, one answer names every bad field.
    const exportErrors = await checkScheduledExport(this.queryBus, principal, request);
    const all = mergeFieldErrors(options.fieldErrors ?? [], errors, exportErrors);
    if (all.length || !cron) throw new BadRequestError('The export schedule is invalid', all);
    const enabled = data.enabled ?? true;
    const id = newId();
    await this.schedules.insert({
      id,
      tenant: principal.tenant,
      ownerId: principal.userId,
      ownerKind: principal.kind,
      ownerPrincipal: principal.toJSON(),
      ownerRevokedAt: null,
      ownerRevokedReason: null,
      name,
      type: request.type,
      format: request.format,
      filters: request.filters,
      scopeIds: [...new Set(request.scopeIds)].sort(),
      columns: request.columns,
      compression: request.compression,
      cron: cron.cron,
      timezone: cron.timezone,
      enabled,
      nextRunAt: enabled ? cron.nextRun(now) : null,
      lastRunAt: null,
      lastExportId: null,
      createdAt: now,
      updatedAt: now,
    });
    const created = await this.schedules.findVisible(principal, id);
    return toExportSchedule(created!, { from: now });
  }
}

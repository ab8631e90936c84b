import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ExportSchedule, ExportScheduleData } from '../entities/export-schedule';

/**
 * Creates a recurring export owned by the caller. Every problem is a BadRequestError (400) naming
 * its field at once: cron, timezone, more often than once per minute, and whatever the exports
 * module refuses for this caller now (type, format, filters, columns, compression, scopeIds,
 * permission), checked with CheckExportRequestQuery.
 */
export class CreateExportScheduleCommand extends Command<ExportSchedule> {
  constructor(readonly principal: Principal, readonly data: ExportScheduleData) {
    super();
  }
}

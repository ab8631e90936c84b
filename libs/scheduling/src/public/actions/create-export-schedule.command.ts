import { Command } from '@nestjs/cqrs';
import type { FieldError, Principal } from '@porter/shared-kernel';
import type { ExportSchedule, ExportScheduleData } from '../entities/export-schedule';

export interface CreateExportScheduleOptions {
  /**
   * Problems a caller's own shape check already found (the API's body validation), the failing
   * fields left out of `data`. They are reported with the command's own, in one BadRequestError:
   * nothing is created while there is any.
   */
  fieldErrors?: FieldError[];
}

/**
 * Creates a recurring export owned by the caller. Every problem is a BadRequestError (400) naming
 * its field, all at once: cron, timezone, more often than once per minute, and whatever the exports
 * module refuses for this caller now (type, format, filters, columns, compression, scopeIds,
 * permission), checked with CheckExportRequestQuery; plus `options.fieldErrors`.
 */
export class CreateExportScheduleCommand extends Command<ExportSchedule> {
  constructor(
    readonly principal: Principal,
    readonly data: ExportScheduleData,
    readonly options: CreateExportScheduleOptions = {},
  ) {
    super();
  }
}

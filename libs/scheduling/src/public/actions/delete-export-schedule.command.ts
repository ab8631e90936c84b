import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';

/** Deletes a schedule and its run history; the exports it created stay. NotFound (404) otherwise. */
export class DeleteExportScheduleCommand extends Command<void> {
  constructor(readonly principal: Principal, readonly scheduleId: string) {
    super();
  }
}

import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';

/**
 * Deletes an export the caller may see (its requester or an admin): cancels its job if still
 * running, deletes the file, and hides the export from reads. NotFound otherwise.
 */
export class DeleteExportCommand extends Command<void> {
  constructor(readonly principal: Principal, readonly exportId: string) {
    super();
  }
}

import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';

/**
 * Deletes an import record that has no batches: one made for an upload that was refused, or never
 * used. A record with batches keeps them and their per-row results (the import's history): 409.
 */
export class DeleteImportRecordCommand extends Command<void> {
  constructor(readonly principal: Principal, readonly importRecordId: string) {
    super();
  }
}

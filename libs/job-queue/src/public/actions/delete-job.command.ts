import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';

/** Soft-deletes a terminal job and purges its files. */
export class DeleteJobCommand extends Command<void> {
  constructor(readonly principal: Principal, readonly jobId: string) {
    super();
  }
}

import { Command } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';

/**
 * Counts a download of each given export result the caller may access (others are ignored):
 * increments the count, sets first_downloaded_at once and last_downloaded_at always, in one
 * atomic statement. Returns the number of results counted.
 */
export class IncrementExportDownloadCountsCommand extends Command<number> {
  constructor(readonly principal: Principal, readonly exportResultIds: readonly string[]) {
    super();
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { FILE_STORAGE, FileStorage } from '@porter/platform';
import { CLOCK, Clock } from '@porter/shared-kernel';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';

const BATCH = 500;

/**
 * Retention: deletes the files of results past their expiry and marks the results expired. The
 * request and result records stay (audit: who exported what, when, how often it was downloaded).
 */
@Injectable()
export class PurgeExpiredExportsService {
  private readonly logger = new Logger(PurgeExpiredExportsService.name);

  constructor(
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Purges every expired result (in batches); returns how many were purged. */
  async purge(): Promise<number> {
    let total = 0;
    for (;;) {
      const purged = await this.exports.purgeExpired(this.clock.now(), BATCH, (result) => this.storage.delete(result.storageKey));
      total += purged;
      if (purged < BATCH) break;
    }
    if (total) this.logger.log(`retention purge: ${total} export file(s) deleted`);
    return total;
  }
}

import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ForgetJobFilesCommand } from '@porter/job-queue';
import { FILE_STORAGE, FileStorage } from '@porter/platform';
import { CLOCK, Clock } from '@porter/shared-kernel';
import { EXPORT_REPOSITORY, ExportRepository } from '../ports/export-repository.port';

const BATCH = 500;

/**
 * Retention: deletes the files of results past their expiry and marks the results expired. The
 * request and result records stay (audit: who exported what, when, how often it was downloaded).
 * The file was also an output file of the export's job: the job stops listing it
 * (ForgetJobFilesCommand), instead of offering a file whose read answers 410.
 */
@Injectable()
export class PurgeExpiredExportsService {
  private readonly logger = new Logger(PurgeExpiredExportsService.name);

  constructor(
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly commandBus: CommandBus,
  ) {}

  /** Purges every expired result (in batches); returns how many were purged. */
  async purge(): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted: Array<{ jobId: string; storageKey: string }> = [];
      const purged = await this.exports.purgeExpired(this.clock.now(), BATCH, async (result) => {
        await this.storage.delete(result.storageKey);
        deleted.push({ jobId: result.jobId, storageKey: result.storageKey });
      });
      // After the results' commit: a failure here leaves a listed file that answers 410, nothing worse.
      await this.commandBus.execute(new ForgetJobFilesCommand(deleted)).catch((error: Error) =>
        this.logger.warn(`retention purge: the jobs of ${deleted.length} expired file(s) still list them: ${error.message}`),
      );
      total += purged;
      if (purged < BATCH) break;
    }
    if (total) this.logger.log(`retention purge: ${total} export file(s) deleted`);
    return total;
  }
}

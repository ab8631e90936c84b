import { Inject, Injectable, Logger } from '@nestjs/common';
import { FILE_STORAGE, FileStorage } from '@porter/platform';
import type { JobFileCleaner } from '../../application/ports/job.repository.port';
import { jobFilesPrefix } from './job-sql';

@Injectable()
export class StorageJobFileCleaner implements JobFileCleaner {
  private readonly logger = new Logger('JobFiles');

  constructor(@Inject(FILE_STORAGE) private readonly storage: FileStorage) {}

  async removeAll(jobId: string): Promise<void> {
    // Best effort: the rows are already gone; purge retries strays under the job's prefix.
    await this.storage.deletePrefix(jobFilesPrefix(jobId)).catch((error) => this.logger.warn(`could not remove files of job ${jobId}: ${error}`));
  }

  async removeKeys(keys: string[]): Promise<void> {
    for (const key of keys) await this.storage.delete(key).catch((error) => this.logger.warn(`could not remove ${key}: ${error}`));
  }
}

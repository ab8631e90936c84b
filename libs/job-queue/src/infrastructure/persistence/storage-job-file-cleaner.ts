import { Inject, Injectable, Logger } from '@nestjs/common';
import { FILE_STORAGE, FileStorage } from '@porter/platform';
import type { JobFileCleaner } from '../../application/ports/job.repository.port';
import { jobAttachmentsPrefix, jobFilesPrefix } from './job-sql';

@Injectable()
export class StorageJobFileCleaner implements JobFileCleaner {
  private readonly logger = new Logger('JobFiles');

  constructor(@Inject(FILE_STORAGE) private readonly storage: FileStorage) {}

  async removeAll(jobId: string): Promise<void> {
    // Best effort: the rows are already gone; purge retries strays under the job's prefix.
    await this.storage.deletePrefix(jobFilesPrefix(jobId)).catch((error) => this.logger.warn(`could not remove files of job ${jobId}: ${error}`));
  }

  async removeOutputs(jobId: string): Promise<void> {
    // Listed and deleted one by one rather than by prefix: the prefix also holds the attachments.
    const attachments = `${jobAttachmentsPrefix(jobId)}/`;
    try {
      const keys: string[] = [];
      for await (const object of this.storage.list(`${jobFilesPrefix(jobId)}/`)) {
        if (!object.key.startsWith(attachments)) keys.push(object.key);
      }
      await this.removeKeys(keys);
    } catch (error) {
      this.logger.warn(`could not remove output files of job ${jobId}: ${error}`);
    }
  }

  async removeKeys(keys: string[]): Promise<void> {
    for (const key of keys) await this.storage.delete(key).catch((error) => this.logger.warn(`could not remove ${key}: ${error}`));
  }
}

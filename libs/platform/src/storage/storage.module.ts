import { Global, Logger, Module } from '@nestjs/common';
import { PORTER_CONFIG, PorterConfig } from '../config/porter-config';
import { FILE_STORAGE, FileStorage } from './file-storage.port';
import { LocalFileStorage } from './local-file-storage';
import type { S3FileStorage, S3FileStorageOptions } from './s3-file-storage';
import { TracedFileStorage } from './traced-file-storage';
import { tracingActive } from '../tracing/tracing-state';

/** STORAGE_DRIVER picks the adapter: `local` (STORAGE_DIR) or `s3` (ADR 040). */
export async function createFileStorage(config: PorterConfig): Promise<FileStorage> {
  const storage = await createAdapter(config);
  return tracingActive() ? new TracedFileStorage(storage, config.storageDriver) : storage;
}

async function createAdapter(config: PorterConfig): Promise<FileStorage> {
  if (config.storageDriver === 's3') {
    // Credentials: the SDK's default chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profile, role).
    // The start does not wait for the bucket: readiness reports an unreachable one instead of the
    // process dying. One line says at start whether it answered, and what is wrong if not.
    const storage = createS3FileStorage({
      bucket: config.s3Bucket as string, // loadConfig refuses s3 without a bucket
      endpoint: config.s3Endpoint,
      region: config.s3Region,
      forcePathStyle: config.s3ForcePathStyle,
      keyPrefix: config.s3KeyPrefix,
    });
    const logger = new Logger('Storage');
    void storage.ping().then(
      () => logger.log(`S3 bucket "${config.s3Bucket}" answers${config.s3Endpoint ? ` at ${config.s3Endpoint}` : ''}`),
      (error: Error) => logger.warn(`${error.message}: files cannot be stored or read until it is fixed (readiness reports it)`),
    );
    return storage;
  }
  const storage = new LocalFileStorage(config.storageDir);
  await storage.init();
  return storage;
}

/**
 * The S3 adapter, loaded on first use: the AWS SDK is several megabytes of code that a process on
 * local storage never runs, and every worker's resident memory counts (ADR 006).
 */
export function createS3FileStorage(options: S3FileStorageOptions): S3FileStorage {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { S3FileStorage: Adapter } = require('./s3-file-storage') as typeof import('./s3-file-storage');
  return new Adapter(options);
}

@Global()
@Module({
  providers: [{ provide: FILE_STORAGE, inject: [PORTER_CONFIG], useFactory: createFileStorage }],
  exports: [FILE_STORAGE],
})
export class StorageModule {}

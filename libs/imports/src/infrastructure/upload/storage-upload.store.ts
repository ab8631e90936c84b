import { Inject, Injectable } from '@nestjs/common';
import { Readable, Transform, TransformCallback } from 'stream';
import { pipeline } from 'stream/promises';
import { FILE_STORAGE, FileStorage, PORTER_CONFIG, PorterConfig, storageKey } from '@porter/platform';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '@porter/shared-kernel';
import type { StoredUpload, UploadStore } from '../../application/ports/upload-store.port';
import { SNIFF_BYTES, sniffFormat } from '../../domain/format-sniffer';
import type { ImportFormat } from '../../public/enums/import-format';

class UploadRejected extends Error {
  constructor(readonly reason: Error) {
    super(reason.message);
  }
}

/**
 * Upload → storage in one streaming pass: the first SNIFF_BYTES are held only until the format
 * is decided, the byte count is checked on every chunk (413 the moment it passes the limit;
 * the partial object is discarded), and the storage writer computes sha256 on the way.
 */
@Injectable()
export class StorageUploadStore implements UploadStore {
  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
  ) {}

  async store(stream: Readable, tenant: string, recordId: string, batchId: string): Promise<StoredUpload> {
    const key = storageKey('imports', safeSegment(tenant), recordId, `${batchId}.upload`);
    const limit = this.config.uploadMaxBytes;
    let format: ImportFormat | null = null;
    let head: Buffer[] = [];
    let headBytes = 0;
    let total = 0;
    const decide = (complete: boolean) => {
      const sample = Buffer.concat(head);
      if (complete && sample.length === 0) throw new ValidationError('The file is empty', [{ path: 'file', message: 'contains no bytes' }]);
      const result = sniffFormat(sample, complete);
      if ('rejected' in result) throw new UnsupportedMediaTypeError(`Unsupported file: ${result.rejected}`);
      format = result.format;
    };
    const gate = new Transform({
      transform(chunk: Buffer, _enc, callback: TransformCallback) {
        total += chunk.length;
        if (total > limit) return callback(new UploadRejected(new PayloadTooLargeError(`The file is larger than the upload limit of ${limit} bytes`)));
        if (format) return callback(null, chunk);
        head.push(chunk);
        headBytes += chunk.length;
        if (headBytes < SNIFF_BYTES) return callback();
        try {
          decide(false);
        } catch (error) {
          return callback(new UploadRejected(error as Error));
        }
        const buffered = Buffer.concat(head);
        head = [];
        callback(null, buffered);
      },
      flush(callback: TransformCallback) {
        if (format) return callback();
        try {
          decide(true);
        } catch (error) {
          return callback(new UploadRejected(error as Error));
        }
        const buffered = Buffer.concat(head);
        head = [];
        callback(null, buffered);
      },
    });
    const writer = this.storage.openWriter(key);
    try {
      await pipeline(stream, gate, writer.stream);
    } catch (error) {
      await writer.abort();
      if (error instanceof UploadRejected) throw error.reason;
      throw error;
    }
    const stored = await writer.commit();
    return { storageKey: key, sizeBytes: stored.sizeBytes, sha256: stored.sha256, format: format! };
  }

  async discard(key: string): Promise<void> {
    await this.storage.delete(key);
  }
}

/** Tenants are free text in tokens; storage keys are not. */
function safeSegment(tenant: string): string {
  const cleaned = tenant.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 80);
  return cleaned ? `t-${cleaned}` : 't-unnamed';
}

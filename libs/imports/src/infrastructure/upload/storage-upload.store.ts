import { Inject, Injectable } from '@nestjs/common';
import { Readable, Transform, TransformCallback } from 'stream';
import { pipeline } from 'stream/promises';
import { FILE_STORAGE, FileStorage, PORTER_CONFIG, PorterConfig, storageKey } from '@porter/platform';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '@porter/shared-kernel';
import type { SourceFile } from '../../application/ports/import-file-reader.port';
import type { StoredUpload, UploadStore } from '../../application/ports/upload-store.port';
import { FileRejectedError } from '../../domain/file-rejected.error';
import { SNIFF_BYTES, sniffFormat } from '../../domain/format-sniffer';
import { CsvTokenizer } from '../../domain/csv-tokenizer';
import { DeclaredFileType, declaredTypeMismatch } from '../../domain/declared-file-type';
import { IMPORT_LIMITS, ImportLimits } from '../../domain/import-limits';
import type { ImportFormat } from '../../public/enums/import-format';
import { inspectXlsx, NotAnXlsxWorkbookError } from '../parsing/xlsx-workbook';
import { unneutraliseFormula } from '../../domain/formula';

class UploadRejected extends Error {
  constructor(readonly reason: Error) {
    super(reason.message);
  }
}

/**
 * Upload → storage in one streaming pass: the first SNIFF_BYTES are held only until the format
 * is decided, the byte count is checked on every chunk (413 the moment it passes the limit;
 * the partial object is discarded), and the storage writer computes sha256 on the way. A file
 * that starts like a zip is then checked from the stored file's tail: its central directory must
 * be an XLSX workbook's (415 otherwise) within the zip limits (422); the object is deleted if not.
 */
@Injectable()
export class StorageUploadStore implements UploadStore {
  constructor(
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(PORTER_CONFIG) private readonly config: PorterConfig,
    @Inject(IMPORT_LIMITS) private readonly limits: ImportLimits,
  ) {}

  source(upload: { storageKey: string; sizeBytes: number }): SourceFile {
    return { sizeBytes: upload.sizeBytes, open: (range) => this.storage.get(upload.storageKey, range) };
  }

  async store(stream: Readable, tenant: string, recordId: string, batchId: string, declared: DeclaredFileType = { fileName: null, contentType: null }): Promise<StoredUpload> {
    const key = storageKey('imports', safeSegment(tenant), recordId, `${batchId}.upload`);
    const limit = this.config.uploadMaxBytes;
    let format: ImportFormat | null = null;
    let csvHeader: string[] | null = null;
    let head: Buffer[] = [];
    let headBytes = 0;
    let total = 0;
    const decide = (complete: boolean) => {
      const sample = Buffer.concat(head);
      if (complete && sample.length === 0) throw new ValidationError('The file is empty', [{ path: 'file', message: 'contains no bytes' }]);
      const result = sniffFormat(sample, complete);
      if ('rejected' in result) throw new UnsupportedMediaTypeError(`Unsupported file: ${result.rejected}`);
      const mismatch = declaredTypeMismatch(declared, result.format);
      if (mismatch) throw new UnsupportedMediaTypeError(`The file's declared type disagrees with its content: ${mismatch}`);
      format = result.format;
      if (format === 'csv') csvHeader = firstRecord(sample, complete, this.limits);
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
    if (format === 'xlsx') {
      try {
        await inspectXlsx({ sizeBytes: stored.sizeBytes, open: (range) => this.storage.get(key, range) }, this.limits);
      } catch (error) {
        await this.storage.delete(key).catch(() => undefined);
        throw refusal(error);
      }
    }
    return { storageKey: key, sizeBytes: stored.sizeBytes, sha256: stored.sha256, format: format!, csvHeader };
  }

  async discard(key: string): Promise<void> {
    await this.storage.delete(key);
  }
}

/**
 * The first CSV record of the sniffed sample, if the sample holds all of it. Anything the
 * tokenizer refuses is left to the structural pass, which reports it with the file's offsets.
 */
function firstRecord(sample: Buffer, complete: boolean, limits: ImportLimits): string[] | null {
  try {
    const tokenizer = new CsvTokenizer(limits, { materialize: true });
    const records = tokenizer.push(sample);
    if (!records.length && complete) records.push(...tokenizer.end());
    // As the worker's CSV reader reads it: a neutralised header cell without its `'`.
    return records[0]?.map(unneutraliseFormula) ?? null;
  } catch (error) {
    if (error instanceof FileRejectedError) return null;
    throw error;
  }
}

/** Tenants are free text in tokens; storage keys are not. */
function safeSegment(tenant: string): string {
  const cleaned = tenant.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 80);
  return cleaned ? `t-${cleaned}` : 't-unnamed';
}

/** A zip that is not a workbook is a format Porter does not read (415); a workbook past the limits is unprocessable (422). */
function refusal(error: unknown): Error {
  if (error instanceof NotAnXlsxWorkbookError) return new UnsupportedMediaTypeError(`Unsupported file: ${error.message}`);
  if (error instanceof FileRejectedError) return new ValidationError(`The XLSX file is refused: ${error.message}`, [{ path: 'file', message: error.message }]);
  return error as Error;
}

import { Command } from '@nestjs/cqrs';
import type { Readable } from 'stream';
import type { Principal } from '@porter/shared-kernel';
import type { ImportBatchInfo } from '../entities/import-batch-info';

export interface ImportUpload {
  /** The file's bytes; consumed into storage (never held in memory). */
  stream: Readable;
  /** The caller's file name: kept, sanitised, as metadata only. */
  fileName: string | null;
}

/**
 * Stores an uploaded file (streamed, size-limited, type sniffed from content, sha256 computed on
 * the way) and adds it as a batch of the record; the batch and its job commit in one
 * transaction. The same file (sha256) twice in one record is a conflict unless `force`.
 */
export class AddImportBatchCommand extends Command<ImportBatchInfo> {
  constructor(
    readonly principal: Principal,
    readonly importRecordId: string,
    readonly upload: ImportUpload,
    readonly options: { force?: boolean; sheet?: string | null } = {},
  ) {
    super();
  }
}

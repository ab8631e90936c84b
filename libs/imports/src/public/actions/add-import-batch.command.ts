import { Command } from '@nestjs/cqrs';
import type { Readable } from 'stream';
import type { Principal } from '@porter/shared-kernel';
import type { ImportBatchInfo } from '../entities/import-batch-info';

export interface ImportUpload {
  /** The file's bytes; consumed into storage (never held in memory). */
  stream: Readable;
  /** The caller's file name: kept, sanitised, as metadata; its extension must agree with the content (415). */
  fileName: string | null;
  /** The multipart part's Content-Type, when sent: it must agree with the content too (415). */
  contentType?: string | null;
  /**
   * The `mapping` form field sent before this file (file header → column name, or null to
   * ignore that column); overrides the type's names and aliases. Checked against the type (422).
   */
  mapping?: unknown;
  /**
   * `attachment`: not a file to import but a file that goes with the batch's job (a template,
   * notes; at most 5 of at most 10 MiB each), stored and recorded with the job in the batch's
   * transaction (ADR 060). Only with a single `file` in the request. Default `file`.
   */
  part?: 'file' | 'attachment';
}

export interface AddImportBatchOptions {
  /** Import a file (sha256) that this record already has as a batch. */
  force?: boolean;
  /** XLSX: the sheet to read (default: the first). */
  sheet?: string | null;
  /**
   * Earliest time the batch's job may run (seed 004's scheduled execution). A future time makes
   * the job `scheduled` (the batch stays `created` until then); a past time or none runs it as
   * soon as a worker is free.
   */
  scheduledFor?: Date | null;
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
    readonly options: AddImportBatchOptions = {},
  ) {
    super();
  }
}

/**
 * Several files of one request (a multipart body with more than one file part), all or nothing:
 * each file is stored as the iterable yields it, and only once the iterable has ended do the
 * batches and their jobs commit, in ONE transaction. If the iterable throws (the request was
 * refused while its body was read: too many files, a malformed body...) or any file is refused,
 * no batch or job exists and every stored file is deleted.
 */
export class AddImportBatchesCommand extends Command<ImportBatchInfo[]> {
  constructor(
    readonly principal: Principal,
    readonly importRecordId: string,
    readonly uploads: AsyncIterable<ImportUpload>,
    readonly options: AddImportBatchOptions = {},
  ) {
    super();
  }
}

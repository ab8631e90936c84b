import { Inject, Injectable } from '@nestjs/common';
import { FILE_STORAGE, FileStorage } from '@porter/platform';
import { CLOCK, Clock, ConflictError, FileDownload, GoneError, isUuid, NotFoundError, Principal } from '@porter/shared-kernel';
import { EXPORT_REPOSITORY, ExportRepository, ExportResultRecord } from '../ports/export-repository.port';

/**
 * The one place that decides whether a caller may download an export's file now, and counts the
 * download. Every way to the bytes goes through it: `GET /exports/{id}/download`
 * (DownloadExportFileQuery), a signed link (DownloadLinkedExportFileQuery) and
 * `GET /jobs/{jobId}/files/{name}` for an export job (ExportJobFileAccessPolicy), so none can skip
 * a check another makes.
 */
@Injectable()
export class ExportDownloadGate {
  constructor(
    @Inject(EXPORT_REPOSITORY) private readonly exports: ExportRepository,
    @Inject(FILE_STORAGE) private readonly storage: FileStorage,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `admit` (or, when the request does not count as a download, `check`), then the file as a download, read from storage. */
  async download(principal: Principal, exportId: string, countsAsDownload = true): Promise<FileDownload> {
    const result = countsAsDownload ? await this.admit(principal, exportId) : await this.check(principal, exportId);
    return {
      fileName: result.fileName,
      contentType: result.contentType,
      sizeBytes: result.sizeBytes,
      sha256: result.sha256,
      open: (range) =>
        this.storage.get(result.storageKey, range).catch((error) => {
          // Purged between the checks and here.
          if (error instanceof NotFoundError) throw new GoneError(`The file of export ${exportId} is no longer available`);
          throw error;
        }),
    };
  }

  /**
   * Checks, in order: visible to the caller (404), has a file (409), the result is still
   * permitted (re-checked: roles and scopes change; 404) and is the file asked for when `isFile`
   * is given (404), not expired by date or purge (410), still in storage (410). Then counts the
   * download — its UPDATE carries the permission filter too, so a delete or a lost scope in
   * between is a 404, never an uncounted download. Returns the admitted result.
   */
  async admit(principal: Principal, exportId: string, isFile?: (result: ExportResultRecord) => boolean): Promise<ExportResultRecord> {
    const result = await this.check(principal, exportId, isFile);
    const now = this.clock.now();
    const counted = await this.exports.incrementDownloadCounts(principal, [result.id], now);
    if (!counted) {
      // Something changed since the checks above: deleted or no longer permitted (404), or expired
      // or purged in between (410). The count refuses all of them, so nothing was counted.
      const [still] = await this.exports.resultsForDownload(principal, [result.id]);
      if (!still) throw new NotFoundError('Export', exportId);
      throw new GoneError(fileGoneMessage(exportId, still));
    }
    return result;
  }

  /**
   * Every check of `admit` without counting: what making a download link requires (the link
   * is a download to come, counted when it is used where Porter can see it; ADR 044).
   */
  async check(principal: Principal, exportId: string, isFile?: (result: ExportResultRecord) => boolean): Promise<ExportResultRecord> {
    const info = isUuid(exportId) ? await this.exports.getVisible(principal, exportId) : null;
    if (!info) throw new NotFoundError('Export', exportId);
    if (!info.result) throw new ConflictError(`Export ${exportId} has no file yet (status ${info.status})`);
    const [result] = await this.exports.resultsForDownload(principal, [info.result.id]);
    if (!result || (isFile && !isFile(result))) throw new NotFoundError('Export', exportId);
    const now = this.clock.now();
    if (result.expiredAt || Date.parse(result.expiresAt) <= now.getTime()) throw new GoneError(fileGoneMessage(exportId, result));
    // Checked before counting: a download that cannot be served is not counted.
    if (!(await this.storage.stat(result.storageKey))) throw new GoneError(`The file of export ${exportId} is no longer available`);
    return result;
  }
}

/**
 * Why a result's file is gone (410): its expiry passed, or it was removed before it (`expiredAt`
 * earlier than `expiresAt`: the export was cancelled, or its job deleted or purged). Naming an
 * expiry still to come as the reason would send the reader looking for the wrong cause.
 */
export function fileGoneMessage(exportId: string, result: { expiresAt: string; expiredAt: string | null }): string {
  const removedAt = result.expiredAt ? Date.parse(result.expiredAt) : null;
  const expiresAt = Date.parse(result.expiresAt);
  if (removedAt !== null && removedAt < expiresAt) {
    return `The file of export ${exportId} was removed at ${result.expiredAt}, before its expiry (${result.expiresAt}): the export was cancelled, or its job deleted or purged`;
  }
  return `Export ${exportId} expired at ${result.expiresAt}`;
}

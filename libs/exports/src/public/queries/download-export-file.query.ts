import { Query } from '@nestjs/cqrs';
import type { FileDownload, Principal } from '@porter/shared-kernel';

/**
 * One download of an export's file (`GET /exports/{id}/download`), with every check: the caller
 * must see the export now (permission re-checked; 404), it must have a file (409) that has not
 * expired or been purged and is still stored (410). The download is then counted (count,
 * first/last download time, in one statement) and the file handed out; a file purged between
 * the count and `open` is a GoneError. The jobs API applies the same checks to an export job's
 * file (ADR 027). `countsAsDownload` false (a HEAD, or a Range that resumes past the first byte):
 * every check, no count.
 */
export class DownloadExportFileQuery extends Query<FileDownload> {
  constructor(readonly principal: Principal, readonly exportId: string, readonly countsAsDownload = true) {
    super();
  }
}

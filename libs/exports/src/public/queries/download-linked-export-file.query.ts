import { Query } from '@nestjs/cqrs';
import type { FileDownload } from '@porter/shared-kernel';

/**
 * One download through a signed link (`GET /exports/{id}/file?expires=&sig=`): a missing,
 * tampered or expired signature is a ForbiddenError (403); then the export must still exist and
 * its file be unexpired and stored (404 / 410), and the download is counted like a bearer one.
 * No caller permission is re-checked: it was checked when the link was made. `countsAsDownload`
 * false (a HEAD, or a Range that resumes past the first byte): every check, no count.
 */
export class DownloadLinkedExportFileQuery extends Query<FileDownload> {
  constructor(
    readonly exportId: string,
    readonly expires: string | undefined,
    readonly signature: string | undefined,
    readonly countsAsDownload = true,
  ) {
    super();
  }
}

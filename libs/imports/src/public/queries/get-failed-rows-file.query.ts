import { Query } from '@nestjs/cqrs';
import type { FileDownload, Principal } from '@porter/shared-kernel';

/**
 * The failed rows of a batch as a CSV download: the file's original columns plus `error`, one line
 * per failed or partially failed row. Made as it is read, so its size is unknown (`sizeBytes` null).
 */
export class GetFailedRowsFileQuery extends Query<FileDownload> {
  constructor(readonly principal: Principal, readonly importRecordId: string, readonly importBatchId: string) {
    super();
  }
}

import { Query } from '@nestjs/cqrs';
import type { Readable } from 'stream';
import type { Principal } from '@porter/shared-kernel';

export interface FailedRowsFile {
  fileName: string;
  contentType: string;
  /** CSV: the file's original columns plus `error`, one line per failed or partially failed row. */
  stream: Readable;
}

export class GetFailedRowsFileQuery extends Query<FailedRowsFile> {
  constructor(readonly principal: Principal, readonly importRecordId: string, readonly importBatchId: string) {
    super();
  }
}

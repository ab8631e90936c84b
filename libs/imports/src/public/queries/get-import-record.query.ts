import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ImportRecordInfo } from '../entities/import-record-info';

/** Tenant-filtered: another tenant's record is NotFound (404), exactly like a missing one. */
export class GetImportRecordQuery extends Query<ImportRecordInfo> {
  constructor(readonly principal: Principal, readonly importRecordId: string) {
    super();
  }
}

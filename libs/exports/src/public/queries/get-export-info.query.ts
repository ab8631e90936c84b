import { Query } from '@nestjs/cqrs';
import type { Principal } from '@porter/shared-kernel';
import type { ExportInfo } from '../entities/export-info';

/** NotFound when the export does not exist, is another tenant's, or the caller may not see it. */
export class GetExportInfoQuery extends Query<ExportInfo> {
  constructor(readonly principal: Principal, readonly exportId: string) {
    super();
  }
}
